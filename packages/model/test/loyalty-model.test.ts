import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  applyEvents, assignSegments, defaultPolicy, emptyState, evaluate, modelLoyalty, modelLoyaltyAt, modelLoyaltyCrossingDay, nextDueMs,
  segmentsDependOnLifetimeModel, type LifetimeModel, type OrderEvent,
} from '../src/index.js';
import { eventsArb } from './arbitraries.js';

const DAY = 86_400_000;
const CDNOW: LifetimeModel = { version: 1, bgnbd: { r: 0.243, alpha: 30.9, a: 0.793, b: 2.426 }, gammaGamma: null };
const stateOn = (days: readonly number[]) => applyEvents(emptyState(), days.map((d, i): OrderEvent => ({
  eventId: `o${i}`, type: 'order.placed', occurredAtMs: d * DAY + 3_600_000, amountCents: 1_000,
})), days.at(-1)! * DAY, defaultPolicy);

describe('loyalty from the lifetime model', () => {
  it('is 0 for a one-time buyer (P(alive) = 1 by construction) and for a burst in the first days', () => {
    expect(modelLoyalty(CDNOW, 0, 0, 10, defaultPolicy)).toBe(0);
    expect(modelLoyaltyAt(stateOn([20_000]), 20_001 * DAY, CDNOW, defaultPolicy)).toBe(0);
    // three purchase days in one week: t_x 6 of the 90 full-tenure days
    expect(modelLoyaltyAt(stateOn([20_000, 20_003, 20_006]), 20_007 * DAY, CDNOW, defaultPolicy)).toBeLessThan(0.1);
  });

  it('is high for a long, regular relationship that is recent, and falls as silence grows', () => {
    const monthly = stateOn(Array.from({ length: 12 }, (_, i) => 20_000 + 30 * i));
    const today = 20_000 + 30 * 11;
    expect(modelLoyaltyAt(monthly, (today + 1) * DAY, CDNOW, defaultPolicy)).toBeGreaterThan(0.9);
    expect(modelLoyaltyAt(monthly, (today + 400) * DAY, CDNOW, defaultPolicy)).toBeLessThan(0.5);
  });

  it('the clock\'s crossing day: loyalty stays on today\'s side of the cut before it and is past it that day', () => {
    const params = fc.record({
      r: fc.double({ min: 0.05, max: 5, noNaN: true }), alpha: fc.double({ min: 1, max: 200, noNaN: true }),
      a: fc.double({ min: 0.05, max: 5, noNaN: true }), b: fc.double({ min: 0.05, max: 10, noNaN: true }),
    });
    const gaps = fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 30 });
    fc.assert(fc.property(params, gaps, fc.integer({ min: 0, max: 300 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), (bgnbd, gapList, since, cut) => {
      const model = { version: 1, bgnbd, gammaGamma: null };
      const days = gapList.reduce((ds, g) => [...ds, ds.at(-1)! + g], [20_000]);
      const state = stateOn(days);
      const nowDay = days.at(-1)! + since;
      const lastScanDay = nowDay + 4_000;
      const due = modelLoyaltyCrossingDay(state, nowDay, model, defaultPolicy, [cut], lastScanDay);
      const on = (day: number) => modelLoyaltyAt(state, day * DAY, model, defaultPolicy);
      const side = on(nowDay) >= cut;
      if (due === null) {
        expect(side).toBe(false); // below already: time alone never brings it back
        expect(on(lastScanDay) >= cut).toBe(false);
        return;
      }
      expect(due).toBeGreaterThan(nowDay);
      for (const day of [nowDay + 1, Math.floor((nowDay + due) / 2), due - 1]) if (day > nowDay && day < due) expect(on(day) >= cut).toBe(side);
      if (due < lastScanDay) expect(on(due) >= cut).toBe(!side);
    }), { numRuns: 300 });
  });

  it('a customer the model cannot move (one purchase day at most) gets the same segments and due time with any model or none', () => {
    const params = fc.record({
      r: fc.double({ min: 0.05, max: 5, noNaN: true }), alpha: fc.double({ min: 1, max: 200, noNaN: true }),
      a: fc.double({ min: 0.05, max: 5, noNaN: true }), b: fc.double({ min: 0.05, max: 10, noNaN: true }),
    });
    let independent = 0;
    fc.assert(fc.property(eventsArb, params, fc.integer({ min: 0, max: 800 }), (events, bgnbd, later) => {
      const lastMs = events.length === 0 ? Date.UTC(2026, 0, 1) : Math.max(...events.map((e) => e.occurredAtMs));
      const nowMs = lastMs + later * DAY;
      const state = applyEvents(emptyState(), events, nowMs, defaultPolicy);
      if (segmentsDependOnLifetimeModel(state, defaultPolicy)) return;
      independent++;
      const model = { version: 1, bgnbd, gammaGamma: null };
      const outcome = (m: LifetimeModel | null) => {
        const evaluation = evaluate(state, nowMs, null, defaultPolicy, m, false);
        const assigned = assignSegments(state, evaluation, nowMs, defaultPolicy);
        return { loyalty: evaluation.scores.loyalty, segments: assigned.changes, due: nextDueMs(assigned.state, nowMs, null, defaultPolicy, assigned.heldUntilMs, m) };
      };
      expect(outcome(model)).toEqual(outcome(null));
    }), { numRuns: 300 });
    expect(independent).toBeGreaterThan(20); // the property was exercised, not skipped
  });
});
