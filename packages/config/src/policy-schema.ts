/**
 * The policy file's schema: mirrors the `Policy` interface of @bondstream/model (a compile-time
 * check below fails when the two drift apart). Objects are strict, so a misspelt key is an
 * error instead of a silently ignored setting. New sections (such as the action rules) are
 * added here as their own `section(...)` next to the others.
 */
import { z } from 'zod';
import {
  ACTION_NAMES, CHANNEL_CHOICES, CHANNELS, DIMENSIONS, MOVES, SEGMENTS,
  type ActionName, type Channel, type Policy,
} from '@bondstream/model';

/** A value as it would be written in the file, for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    return value.every((v) => typeof v === 'number') ? `[${value.join(', ')}]` : `a list of ${value.length}`;
  }
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const number = () => z.number({ error: (iss) => `expected a number, got ${describeValue(iss.input)}` });
const integer = () => z.int({ error: (iss) => `expected an integer, got ${describeValue(iss.input)}` });
const atLeast = <T extends z.ZodNumber>(schema: T, min: number) =>
  schema.min(min, { error: (iss) => `must be >= ${min}, got ${describeValue(iss.input)}` });
const atMost = <T extends z.ZodNumber>(schema: T, max: number) =>
  schema.max(max, { error: (iss) => `must be <= ${max}, got ${describeValue(iss.input)}` });
const positive = () => number().gt(0, { error: (iss) => `must be > 0, got ${describeValue(iss.input)}` });
const nonNegative = () => atLeast(number(), 0);
/** A calendar day `YYYY-MM-DD` (a real one: no 1990-02-30), read as UTC. */
const isoDate = () => z.iso.date({ error: (iss) => `expected a date YYYY-MM-DD, got ${describeValue(iss.input)}` });
/** A rate or share in [0, 1]. */
const unitInterval = () => atMost(atLeast(number(), 0), 1);

/** A strict mapping: unknown keys are reported (one line per key) with the keys that exist. */
function section<S extends z.ZodRawShape>(shape: S, keyNoun = 'key') {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown ${keyNoun} (known: ${known})`
        : `expected a mapping, got ${describeValue(iss.input)}`,
  });
}

function isAscending(values: readonly number[]): boolean {
  return values.every((v, i) => i === 0 || v > values[i - 1]!);
}

/** Four strictly ascending cut points, all >= 0. */
const cuts = () =>
  z
    .tuple([nonNegative(), nonNegative(), nonNegative(), nonNegative()], {
      error: (iss) => `expected a list of 4 ascending numbers, got ${describeValue(iss.input)}`,
    })
    .refine(isAscending, { error: (iss) => `must be strictly ascending, got ${describeValue(iss.input)}` });

export const channelCostsSchema = section(
  Object.fromEntries(CHANNELS.map((c) => [c, nonNegative()])) as Record<Channel, ReturnType<typeof nonNegative>>,
  'channel',
);

export const loyaltySchema = section({
  minPurchaseDays: atLeast(integer(), 1),
  loyalThreshold: unitInterval(),
  fullTenureDays: nonNegative(),
  activeGapMultiple: positive(),
  lapsedGapMultiple: positive(),
}).superRefine((l, ctx) => {
  if (l.lapsedGapMultiple <= l.activeGapMultiple) {
    ctx.addIssue({
      code: 'custom',
      path: ['lapsedGapMultiple'],
      message: `must be > activeGapMultiple (${l.activeGapMultiple}), got ${l.lapsedGapMultiple}`,
    });
  }
});

export const relationshipSchema = section({
  minPopulation: atLeast(integer(), 0),
  minProfit: number(),
});

export const pyramidSchema = section({
  topShare: unitInterval(),
  bigShare: unitInterval(),
  mediumShare: unitInterval(),
  absoluteProfitCuts: section({ top: number(), big: number(), medium: number() }).superRefine((c, ctx) => {
    if (!(c.medium < c.big && c.big < c.top)) {
      ctx.addIssue({
        code: 'custom',
        message: `must satisfy medium < big < top, got medium ${c.medium}, big ${c.big}, top ${c.top}`,
      });
    }
  }),
}).superRefine((p, ctx) => {
  const shares = [p.topShare, p.bigShare, p.mediumShare];
  const sum = shares.reduce((a, b) => a + b, 0);
  // A share out of [0, 1] is already reported on its own.
  if (shares.every((s) => s >= 0 && s <= 1) && !(sum < 1)) {
    ctx.addIssue({
      code: 'custom',
      message: `topShare + bigShare + mediumShare must be < 1 (the rest are "small"), got ${Number(sum.toFixed(6))}`,
    });
  }
});

export const rfmSchema = section({
  minPopulation: atLeast(integer(), 0),
  absoluteCuts: section({ recencyDays: cuts(), frequency: cuts(), monetary: cuts() }),
});

export const thresholdsSchema = section({
  refreshSeconds: positive(),
});

export const lifetimeSchema = section({
  refitSeconds: positive(),
  minRepeatBuyers: atLeast(integer(), 1),
  sampleCustomers: atLeast(integer(), 100),
  horizonDays: positive(),
  clvHorizonMonths: atMost(atLeast(integer(), 1), 600),
  monthlyDiscountRate: atMost(nonNegative(), 1),
});

export const hysteresisSchema = section({
  margin: atMost(nonNegative(), 0.5),
  minDwellDays: atMost(nonNegative(), 3650),
});

const oneOf = <T extends string>(values: readonly T[], noun: string) =>
  z.enum(values as [T, ...T[]], {
    error: (iss) => `expected ${noun} (${values.join(', ')}), got ${describeValue(iss.input)}`,
  });
const flag = () => z.boolean({ error: (iss) => `expected true or false, got ${describeValue(iss.input)}` });

export const actionDefinitionSchema = section({
  priority: atLeast(integer(), 1),
  expiresInDays: positive(),
  channel: oneOf(CHANNEL_CHOICES, 'a channel choice'),
  among: z.array(oneOf(CHANNELS, 'a channel'), { error: (iss) => `expected a list of channels, got ${describeValue(iss.input)}` }),
  downgrade: flag(),
});

const segmentList = () =>
  z.array(z.string({ error: (iss) => `expected a segment name, got ${describeValue(iss.input)}` }), {
    error: (iss) => `expected a list of segment names, got ${describeValue(iss.input)}`,
  }).min(1, { error: 'must name at least one segment' });

export const actionRuleSchema = section({
  dimension: oneOf(DIMENSIONS, 'a dimension'),
  to: segmentList().optional(),
  from: segmentList().optional(),
  move: oneOf(MOVES, 'a move').optional(),
  onFirstAssignment: flag(),
  action: oneOf(ACTION_NAMES, 'an action'),
}).superRefine((rule, ctx) => {
  // A segment name that does not exist in the dimension would make a rule that never fires.
  const known = SEGMENTS[rule.dimension];
  for (const key of ['to', 'from'] as const) {
    (rule[key] ?? []).forEach((value, i) => {
      if (!known.includes(value)) {
        ctx.addIssue({ code: 'custom', path: [key, i], message: `not a segment of ${rule.dimension} (known: ${known.join(', ')}), got ${describeValue(value)}` });
      }
    });
  }
  if (rule.move !== undefined && rule.dimension !== 'pyramid') {
    ctx.addIssue({ code: 'custom', path: ['move'], message: `only the pyramid has up and down, got dimension ${rule.dimension}` });
  }
});

export const actionsSchema = section({
  cooldownDays: nonNegative(),
  definitions: section(
    Object.fromEntries(ACTION_NAMES.map((a) => [a, actionDefinitionSchema])) as Record<ActionName, typeof actionDefinitionSchema>,
    'action',
  ),
  rules: z.array(actionRuleSchema, { error: (iss) => `expected a list of rules, got ${describeValue(iss.input)}` }),
});

export const policySchema = section({
  windowDays: atMost(atLeast(integer(), 1), 3650),
  defaultMarginRate: unitInterval(),
  returnHandlingCost: nonNegative(),
  channelCosts: channelCostsSchema,
  maxFutureSkewSeconds: nonNegative(),
  earliestPlausibleDate: isoDate(),
  loyalty: loyaltySchema,
  relationship: relationshipSchema,
  pyramid: pyramidSchema,
  rfm: rfmSchema,
  thresholds: thresholdsSchema,
  lifetime: lifetimeSchema,
  hysteresis: hysteresisSchema,
  actions: actionsSchema,
});

// The schema must describe exactly the Policy interface: adding a field to one without the
// other fails the build here.
type Exactly<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const schemaMirrorsPolicy: Exactly<z.output<typeof policySchema>, Policy> = true;
void schemaMirrorsPolicy;
