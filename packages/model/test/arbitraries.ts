import fc from 'fast-check';
import { CHANNELS, SEGMENTS, computeThresholds, defaultPolicy, type CustomerState, type DayBucket, type ModelEvent } from '../src/index.js';
import { DAY, NOW, NOW_DAY } from './fixtures.js';

const W = defaultPolicy.windowDays;

/** Events from well before the window up to a day in the future; ids are assigned later. */
const eventBody: fc.Arbitrary<Omit<ModelEvent, 'eventId'>> = fc
  .record({
    dayOffset: fc.integer({ min: -(W + 60), max: 1 }),
    msInDay: fc.integer({ min: 0, max: DAY - 1 }),
    kind: fc.constantFrom('order.placed', 'order.placed', 'order.cancelled', 'order.refunded', 'interaction'),
    amountCents: fc.integer({ min: 1, max: 500_000 }),
    costCents: fc.option(fc.integer({ min: 0, max: 500_000 }), { nil: undefined }),
    channel: fc.constantFrom(...CHANNELS),
    satisfactionTenths: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  })
  .map((r) => {
    const occurredAtMs = (NOW_DAY + r.dayOffset) * DAY + r.msInDay;
    if (r.kind === 'interaction') {
      return {
        type: 'interaction' as const,
        occurredAtMs,
        channel: r.channel,
        kind: 'support_ticket',
        ...(r.costCents === undefined ? {} : { costCents: r.costCents % 5_000 }),
        ...(r.satisfactionTenths === undefined ? {} : { satisfaction: r.satisfactionTenths / 10 }),
      };
    }
    return {
      type: r.kind,
      occurredAtMs,
      amountCents: r.amountCents,
      ...(r.costCents === undefined ? {} : { costCents: r.costCents }),
    };
  });

export const eventsArb: fc.Arbitrary<ModelEvent[]> = fc
  .array(eventBody, { maxLength: 40 })
  .map((bodies) => bodies.map((b, i) => ({ ...b, eventId: `e${i}` }) as ModelEvent));


/** A trusted population snapshot (300 purchasing and active customers) as of NOW. */
export const bigPopulation = computeThresholds(
  {
    lastPurchaseDays: Array.from({ length: 300 }, (_, i) => NOW_DAY - i),
    frequencies: Array.from({ length: 300 }, (_, i) => i % 7),
    monetaryCents: Array.from({ length: 300 }, (_, i) => i * 977),
    activeProfitsCents: Array.from({ length: 300 }, (_, i) => i * 331 - 20_000),
  },
  defaultPolicy,
  1,
  NOW,
);

/** Splits `xs` into consecutive batches of the given sizes; what is left over is one last batch. */
export function chunk<T>(xs: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  let i = 0;
  for (const size of sizes) {
    if (i >= xs.length) break;
    out.push(xs.slice(i, i + size));
    i += size;
  }
  if (i < xs.length) out.push(xs.slice(i));
  return out;
}

/** Arbitrary well-formed states (any safe-ish integers, unknown segment values), for the codec. */
const anyInt = fc.integer({ min: -1e12, max: 1e12 });
const anyTime = fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }), { nil: null });
const anyBucket: fc.Arbitrary<DayBucket> = fc.record({
  orders: anyInt, revenueCents: anyInt, marginCents: anyInt, refundsCents: anyInt, refundMarginCents: anyInt, handlingCostCents: anyInt,
  contacts: anyInt, contactCostCents: anyInt, satisfactionTenthsSum: anyInt, satisfactionCount: anyInt,
});
const anyAssignment = (values: readonly string[]) =>
  fc.option(fc.record({ value: fc.oneof(fc.constantFrom(...values), fc.string()), sinceMs: fc.integer({ min: 0, max: 4e12 }) }), { nil: null });
export const stateArb: fc.Arbitrary<CustomerState> = fc.record({
  firstPurchaseAtMs: anyTime,
  lastPurchaseAtMs: anyTime,
  lastEventAtMs: anyTime,
  appliedEvents: fc.nat(),
  lifetime: fc.record({
    orders: anyInt, revenueCents: anyInt, grossMarginCents: anyInt, refundsCents: anyInt, costCents: anyInt, contacts: anyInt, contactCostCents: anyInt,
    placedCents: anyInt, firstDayPlacedCents: anyInt,
  }),
  purchaseDays: fc.uniqueArray(fc.integer({ min: -1000, max: 60_000 }), { maxLength: 30 }).map((d) => d.sort((a, b) => a - b)),
  window: fc.dictionary(fc.integer({ min: -1000, max: 60_000 }).map(String), anyBucket, { maxKeys: 12 }),
  segments: fc.record({
    relationship: anyAssignment(SEGMENTS.relationship),
    pyramid: anyAssignment(SEGMENTS.pyramid),
    rfm: anyAssignment(SEGMENTS.rfm),
  }),
  evaluatedAtMs: anyTime,
  rfmScores: fc.option(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })), { nil: null }),
});
