import fc from 'fast-check';
import { CHANNELS, computeThresholds, defaultPolicy, type ModelEvent } from '../src/index.js';
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
