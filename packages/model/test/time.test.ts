import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyEvents,
  assignSegments,
  defaultPolicy,
  DIMENSIONS,
  emptyState,
  evaluate,
  nextDueMs,
  toProfile,
  type CustomerState,
  type ModelEvent,
  type Policy,
  type SegmentChange,
  type Thresholds,
} from '../src/index.js';
import { bigPopulation, chunk, eventsArb } from './arbitraries.js';
import { DAY, NOW, NOW_DAY, placed } from './fixtures.js';

const withHysteresis = (margin: number, minDwellDays: number): Policy => ({ ...defaultPolicy, hysteresis: { margin, minDwellDays } });


/** What the scorer stores for a customer: segments assigned at `atMs`, and when it is due. */
function evaluated(state: CustomerState, atMs: number, thresholds: Thresholds | null, policy: Policy) {
  const a = assignSegments(state, evaluate(state, atMs, thresholds, policy), atMs, policy);
  return { ...a, dueMs: nextDueMs(a.state, atMs, thresholds, policy, a.heldUntilMs) };
}

/**
 * The scorer and its clock, per customer: each batch is applied and evaluated at its time, and
 * before it (and at the end, up to `untilMs`) the clock re-evaluates the customer at every due
 * time. Returns the final state and every change with its time.
 */
function runScorer(batches: ModelEvent[][], nows: number[], untilMs: number, thresholds: Thresholds | null, policy: Policy) {
  let state = emptyState();
  let dueMs: number | null = null;
  const changes: SegmentChange[] = [];
  const seen = new Set<string>();
  const clockUpTo = (t: number) => {
    for (let guard = 0; dueMs !== null && dueMs <= t; guard++) {
      if (guard > 10_000) throw new Error('the clock does not advance');
      const r = evaluated(state, dueMs, thresholds, policy);
      if (r.dueMs !== null && r.dueMs <= dueMs) throw new Error(`due ${r.dueMs} is not after ${dueMs}`);
      ({ state, dueMs } = r);
      changes.push(...r.changes);
    }
  };
  batches.forEach((batch, i) => {
    const now = nows[i]!;
    clockUpTo(now);
    const fresh = batch.filter((e) => !seen.has(e.eventId));
    for (const e of batch) seen.add(e.eventId);
    if (fresh.length === 0) return; // all duplicates: the scorer writes nothing
    const r = evaluated(applyEvents(state, fresh, now, policy), now, thresholds, policy);
    ({ state, dueMs } = r);
    changes.push(...r.changes);
  });
  clockUpTo(untilMs);
  return { state, changes };
}

/** The profile without the `since` times, which say when the scorer happened to notice. */
function profileValues(state: CustomerState, atMs: number, policy: Policy) {
  const p = toProfile('t', 'c', state, policy, atMs);
  if (p === null) return null;
  const segments = Object.fromEntries(DIMENSIONS.map((d) => [d, p.segments[d]?.value ?? null]));
  return { ...p, segments };
}

/** Events, delivered shuffled, with duplicates, in batches at increasing times before END. */
const END = NOW + 200 * DAY;
const runArb = eventsArb.chain((events) =>
  fc.record({
    events: fc.constant(events),
    order: fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
    dups: fc.array(fc.nat({ max: Math.max(0, events.length - 1) }), { maxLength: 10 }),
    batchSizes: fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 15 }),
    gapsDays: fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 15 }),
  }),
);

function batchesOf(order: ModelEvent[], dups: number[], sizes: number[], gapsDays: number[]) {
  const delivered = [...order, ...dups.filter((i) => i < order.length).map((i) => order[i]!)];
  const batches = chunk(delivered, sizes);
  // Batches are processed at or after the newest event (as with CRM_CLOCK=event), never after END.
  let t = NOW;
  const nows = batches.map((_, i) => (t = Math.min(END, t + (gapsDays[i] ?? 0) * DAY)));
  return { batches, nows };
}

describe('the clock: nextDueMs', () => {
  it('never misses a change: no segment or index value changes before the due time', () => {
    const configs: [Thresholds | null, Policy][] = [
      [null, defaultPolicy],
      [bigPopulation, defaultPolicy],
      [null, withHysteresis(0.1, 0)],
      [bigPopulation, withHysteresis(0.1, 0)],
    ];
    fc.assert(
      fc.property(eventsArb, fc.constantFrom(...configs), fc.integer({ min: 0, max: 400 }), (events, [thresholds, policy], lagDays) => {
        const at = NOW + lagDays * DAY;
        const { state, dueMs } = evaluated(applyEvents(emptyState(), events, at, policy), at, thresholds, policy);
        if (dueMs !== null) expect(dueMs).toBeGreaterThan(at);
        const before = evaluate(state, at, thresholds, policy);
        const lastDay = Math.min(dueMs === null ? Infinity : Math.ceil(dueMs / DAY) - 1, Math.floor(at / DAY) + 900);
        for (let day = Math.floor(at / DAY) + 1; day <= lastDay; day++) {
          const later = evaluate(state, day * DAY, thresholds, policy);
          if (day * DAY >= (dueMs ?? Infinity)) break;
          expect({ day, segments: later.segments, index: later.index }).toEqual({ day, segments: before.segments, index: before.index });
        }
      }),
      { numRuns: 250 },
    );
  });

  it('a single order falls out of the window on the day it turns windowDays old: pyramid inactive', () => {
    const orderAt = Date.UTC(1997, 0, 3, 10);
    const run = runScorer([[placed(orderAt, 40)]], [orderAt], orderAt + 400 * DAY, null, defaultPolicy);
    const pyramid = run.changes.filter((c) => c.dimension === 'pyramid');
    // the order's day stays in the window for 365 days (windowDays, counting its own day)
    expect(pyramid.map((c) => [c.from, c.to, c.atMs])).toEqual([
      [null, 'small', orderAt],
      ['small', 'inactive', (Math.floor(orderAt / DAY) + 365) * DAY],
    ]);
    // the R cuts of a small tenant (30, 90, 180, 365 days) moved rfm on the way
    expect(run.changes.filter((c) => c.dimension === 'rfm').length).toBeGreaterThan(1);
  });

  it('schedules a repeat buyer for the day its loyalty crosses the threshold', () => {
    // monthly buyer, 6 purchases: loyal now, lapses after ~1.5 mean gaps without a purchase
    const events = [0, 30, 60, 90, 120, 150].map((d) => placed(NOW - (150 - d) * DAY, 100));
    const { state, dueMs } = evaluated(applyEvents(emptyState(), events, NOW, defaultPolicy), NOW, null, defaultPolicy);
    expect(state.segments.relationship?.value).toMatch(/true_friend|barnacle/);
    const dueDay = dueMs! / DAY;
    expect(evaluate(state, (dueDay - 1) * DAY, null, defaultPolicy).scores.loyalty).toBeGreaterThanOrEqual(0.5);
    // absolute R cut at 30 days comes first here (the tenant is small): then recency 30 → R 4
    expect(dueDay).toBe(NOW_DAY + 31);
  });
});

describe('replays: any permutation, with duplicates, gives identical profiles and final segments', () => {
  it('through the scorer and its clock, whatever the batching and the times of the batches', () => {
    for (const thresholds of [null, bigPopulation]) {
      fc.assert(
        fc.property(runArb, ({ events, order, dups, batchSizes, gapsDays }) => {
          const reference = runScorer([events], [END], END, thresholds, defaultPolicy);
          const { batches, nows } = batchesOf(order, dups, batchSizes, gapsDays);
          const run = runScorer(batches, nows, END, thresholds, defaultPolicy);
          expect(profileValues(run.state, END, defaultPolicy)).toEqual(profileValues(reference.state, END, defaultPolicy));
          expect(run.state.lifetime).toEqual(reference.state.lifetime);
        }),
        { numRuns: 150 },
      );
    }
  });
});

describe('hysteresis', () => {
  it('minimum dwell: at most one change per dimension per dwell period, and held changes happen when it ends', () => {
    const policy = withHysteresis(0, 14);
    fc.assert(
      fc.property(runArb, ({ order, dups, batchSizes, gapsDays }) => {
        const { batches, nows } = batchesOf(order, dups, batchSizes, gapsDays);
        const run = runScorer(batches, nows, END + 30 * DAY, bigPopulation, policy);
        for (const d of DIMENSIONS) {
          const times = run.changes.filter((c) => c.dimension === d && c.from !== null).map((c) => c.atMs);
          const firsts = run.changes.filter((c) => c.dimension === d && c.from === null).map((c) => c.atMs);
          const all = [...firsts, ...times].sort((a, b) => a - b);
          for (let i = 1; i < all.length; i++) expect(all[i]! - all[i - 1]!).toBeGreaterThanOrEqual(14 * DAY);
        }
        // once its dwell has ended, a dimension holds the plain evaluation again
        const T = END + 30 * DAY;
        const plain = evaluate(run.state, T, bigPopulation, policy).segments;
        for (const d of DIMENSIONS) {
          const stored = run.state.segments[d];
          if (stored && stored.sinceMs + 14 * DAY <= T && plain[d] !== null) expect(stored.value).toBe(plain[d]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a customer oscillating around the profit cut changes at most once per dwell period', () => {
    const cutPolicy = withHysteresis(0, 7);
    // Daily: an order that lifts window profit just above minProfit, then a refund that drops it below.
    let state = emptyState();
    let dueMs: number | null = null;
    const changes: SegmentChange[] = [];
    const baseline = [placed(NOW - 40 * DAY, 160, 0)]; // profit 160 − contact-free: above 50
    state = applyEvents(state, baseline, NOW - 40 * DAY, cutPolicy);
    for (let d = 0; d < 42; d++) {
      const at = NOW + d * DAY;
      const e: ModelEvent =
        d % 2 === 0
          ? { eventId: `refund-${d}`, type: 'order.refunded', occurredAtMs: at, amountCents: 11_000, costCents: 0 }
          : { eventId: `order-${d}`, type: 'order.placed', occurredAtMs: at, amountCents: 11_000, costCents: 0 };
      if (dueMs !== null && dueMs <= at) {
        const r = evaluated(state, dueMs, null, cutPolicy);
        ({ state, dueMs } = r);
        changes.push(...r.changes);
      }
      const r = evaluated(applyEvents(state, [e], at, cutPolicy), at, null, cutPolicy);
      ({ state, dueMs } = r);
      changes.push(...r.changes);
    }
    const relationship = changes.filter((c) => c.dimension === 'relationship' && c.from !== null);
    // without the dwell it would flip 41 times; with it at most once per 7 days
    expect(relationship.length).toBeGreaterThan(0);
    expect(relationship.length).toBeLessThanOrEqual(Math.ceil(42 / 7));
    for (let i = 1; i < relationship.length; i++) {
      expect(relationship[i]!.atMs - relationship[i - 1]!.atMs).toBeGreaterThanOrEqual(7 * DAY);
    }
  });

  it('margin: a value hovering within the margin keeps the current segment; past it, the segment moves', () => {
    const policy = withHysteresis(0.1, 0);
    // window profit exactly 60 (> minProfit 50): profitable
    const base = applyEvents(emptyState(), [placed(NOW - 10 * DAY, 60, 0)], NOW, policy);
    const first = assignSegments(base, evaluate(base, NOW, null, policy), NOW, policy).state;
    expect(first.segments.relationship?.value).toBe('butterfly');
    // refunding 14 → margin 46: below 50 but within 10 % of it: stays a butterfly
    const hovering = applyEvents(first, [{ eventId: 'r1', type: 'order.refunded', occurredAtMs: NOW, amountCents: 900, costCents: 0 }], NOW, policy);
    expect(evaluate(hovering, NOW, null, policy).window.profit).toBe(46);
    expect(evaluate(hovering, NOW, null, policy).segments.relationship).toBe('butterfly');
    expect(evaluate(hovering, NOW, null, defaultPolicy).segments.relationship).toBe('stranger');
    // a further refund drops profit to 40, past the margin: a stranger now
    const past = applyEvents(hovering, [{ eventId: 'r2', type: 'order.refunded', occurredAtMs: NOW, amountCents: 100, costCents: 0 }], NOW, policy);
    expect(evaluate(past, NOW, null, policy).window.profit).toBe(40);
    expect(evaluate(past, NOW, null, policy).segments.relationship).toBe('stranger');
  });
});
