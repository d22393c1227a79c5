import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyEvents,
  decodeState,
  defaultPolicy,
  DIMENSIONS,
  emptyState,
  encodeState,
  evaluate,
  pruneWindow,
  type CustomerState,
  type ModelEvent,
} from '../src/index.js';
import { bigPopulation as population, chunk, eventsArb, stateArb } from './arbitraries.js';
import { DAY, NOW, NOW_DAY } from './fixtures.js';

const policy = defaultPolicy;
const W = policy.windowDays;

/**
 * The same events as delivered by Kafka: shuffled, some duplicated, in batches, each batch
 * processed at a (non-decreasing) wall clock time up to NOW.
 */
const deliveryArb = eventsArb.chain((events) =>
  fc.record({
    events: fc.constant(events),
    delivered: fc
      .tuple(
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        fc.array(fc.constantFrom(...(events.length ? events : [null])), { maxLength: 15 }),
        fc.infiniteStream(fc.nat()),
      )
      .map(([all, dups, keys]) => {
        const withDups = [...all, ...dups.filter((e): e is ModelEvent => e !== null)];
        const order = withDups.map((e) => ({ e, k: keys.next().value as number }));
        // a stable sort by random keys is a uniform-enough shuffle that keeps fast-check shrinkable
        return order.sort((a, b) => a.k - b.k).map((x) => x.e);
      }),
    cuts: fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 20 }),
    clockLagDays: fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 20 }),
  }),
);

/** Emulates the scorer: Redis dedupe across batches, applyEvents dedupes within one. */
function deliver(batches: ModelEvent[][], nows: number[]): CustomerState {
  const seen = new Set<string>();
  let state = emptyState();
  batches.forEach((batch, i) => {
    const fresh = batch.filter((e) => !seen.has(e.eventId));
    for (const e of batch) seen.add(e.eventId);
    state = applyEvents(state, fresh, nows[i] ?? NOW, policy);
  });
  return state;
}



describe('properties', () => {
  it('order independence: any permutation, duplication and batching gives the same state and evaluation', () => {
    fc.assert(
      fc.property(deliveryArb, ({ events, delivered, cuts, clockLagDays }) => {
        const reference = applyEvents(emptyState(), events, NOW, policy);

        // one call with the duplicates in the list
        expect(applyEvents(emptyState(), delivered, NOW, policy)).toEqual(reference);

        // event by event, in the delivered order
        expect(deliver(delivered.map((e) => [e]), [])).toEqual(reference);

        // in batches, with the wall clock moving forward to NOW
        const batches = chunk(delivered, cuts);
        const lags = batches.map((_, i) => clockLagDays[i] ?? 0).sort((a, b) => b - a);
        const nows = batches.map((_, i) => (i === batches.length - 1 ? NOW : NOW - lags[i]! * DAY));
        const batched = deliver(batches, nows);
        expect(batched).toEqual(reference);

        expect(reference.appliedEvents).toBe(events.length);
        for (const thresholds of [null, population]) {
          expect(evaluate(batched, NOW, thresholds, policy)).toEqual(evaluate(reference, NOW, thresholds, policy));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('idempotence: re-delivering applied events through the dedupe changes nothing', () => {
    fc.assert(
      fc.property(deliveryArb, ({ events, delivered }) => {
        const seen = new Set(events.map((e) => e.eventId));
        const state = applyEvents(emptyState(), events, NOW, policy);
        const again = applyEvents(state, delivered.filter((e) => !seen.has(e.eventId)), NOW, policy);
        expect(again).toEqual(state);
        // and within one call, a list that repeats itself counts each event once
        expect(applyEvents(emptyState(), [...events, ...events], NOW, policy)).toEqual(state);
      }),
      { numRuns: 100 },
    );
  });

  it('window expiry: older events count in lifetime only; windowDays later the window is empty', () => {
    fc.assert(
      fc.property(eventsArb, fc.integer({ min: 0, max: 3 * W }), (events, extraDays) => {
        const past = events.filter((e) => e.occurredAtMs <= NOW);
        const state = applyEvents(emptyState(), past, NOW, policy);
        for (const e of past) {
          const eventDay = Math.floor(e.occurredAtMs / DAY);
          const alone = applyEvents(emptyState(), [e], NOW, policy);
          // every generated event has a non-zero effect, so it has a bucket iff its day is in the window
          expect(Object.keys(alone.window).map(Number)).toEqual(eventDay > NOW_DAY - W ? [eventDay] : []);
          // and the lifetime totals do not depend on the window at all
          expect(alone.lifetime).toEqual(applyEvents(emptyState(), [e], e.occurredAtMs, policy).lifetime);
          expect(alone.lifetime).not.toEqual(emptyState().lifetime);
        }
        const later = NOW + (W + extraDays) * DAY;
        const e = evaluate(state, later, null, policy);
        expect(e.window).toMatchObject({ orders: 0, monetary: 0, grossMargin: 0, refunds: 0, contacts: 0, contactCost: 0, profit: 0, satisfaction: null });
        expect(pruneWindow(state, later, policy).window).toEqual({});
        expect(pruneWindow(state, later, policy).lifetime).toEqual(state.lifetime);
        expect(e.segments.pyramid).toBe(state.purchaseDays.length > 0 ? 'inactive' : 'prospect');
      }),
      { numRuns: 200 },
    );
  });

  it('codec round trip on states built from events', () => {
    const evaluated = fc.tuple(eventsArb, fc.boolean(), fc.integer({ min: 0, max: 10 * DAY })).map(([events, withSegments, lag]) => {
      const state = applyEvents(emptyState(), events, NOW, policy);
      if (!withSegments) return state;
      state.evaluatedAtMs = NOW + lag;
      state.segments = { relationship: { value: 'barnacle', sinceMs: NOW - lag }, pyramid: null, rfm: { value: 'loyal', sinceMs: NOW + lag } };
      state.rfmScores = [3, 4, 5];
      return state;
    });
    fc.assert(
      fc.property(evaluated, (state) => {
        const encoded = encodeState(state);
        expect(decodeState(encoded)).toEqual(state);
        expect(encodeState(decodeState(encoded))).toEqual(encoded);
      }),
      { numRuns: 300 },
    );
  });

  it('codec round trip on arbitrary well-formed states', () => {
    fc.assert(
      fc.property(stateArb, (s) => {
        expect(decodeState(encodeState(s))).toEqual(s);
      }),
      { numRuns: 300 },
    );
    expect(DIMENSIONS).toHaveLength(3);
  });
});
