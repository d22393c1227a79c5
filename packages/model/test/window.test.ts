import { describe, expect, it } from 'vitest';
import { applyEvents, defaultPolicy, evaluate, pruneWindow } from '../src/index.js';
import { DAY, NOW, NOW_DAY, day, deepFreeze, placed, stateOf } from './fixtures.js';

const W = defaultPolicy.windowDays;

describe('rolling window', () => {
  it('is exact to the day: the last windowDays days including today', () => {
    const s = stateOf([placed(day(-(W - 1), 0), 10, 0), placed(day(-W, 23), 20, 0)]);
    expect(Object.keys(s.window).map(Number)).toEqual([NOW_DAY - (W - 1)]);
    expect(s.lifetime.revenueCents).toBe(3000); // the older one counts in lifetime only
    expect(evaluate(s, NOW, null, defaultPolicy).window).toMatchObject({ days: W, orders: 1, monetary: 10 });
    // one day later the other one has left the window too
    expect(evaluate(s, NOW + DAY, null, defaultPolicy).window.orders).toBe(0);
  });

  it('keeps an event slightly in the future in its own bucket', () => {
    const s = stateOf([placed(day(1, 0), 10, 0)]);
    expect(s.window[NOW_DAY + 1]).toMatchObject({ orders: 1 });
    const e = evaluate(s, NOW, null, defaultPolicy);
    expect(e.window.orders).toBe(1);
    expect(e.scores.recencyDays).toBe(0);
  });

  it('pruneWindow drops only the buckets that left the window, without mutating', () => {
    const s = deepFreeze(stateOf([placed(day(-100), 10), placed(day(-10), 10)]));
    const pruned = pruneWindow(s, NOW + 300 * DAY, defaultPolicy);
    expect(Object.keys(pruned.window).map(Number)).toEqual([NOW_DAY - 10]);
    expect(Object.keys(s.window)).toHaveLength(2);
    expect(pruned.lifetime).toEqual(s.lifetime);
  });

  it('evaluation ignores stale buckets even without pruning', () => {
    const s = stateOf([placed(day(-100), 10), placed(day(-10), 20)]);
    const later = NOW + 300 * DAY;
    expect(evaluate(s, later, null, defaultPolicy)).toEqual(evaluate(pruneWindow(s, later, defaultPolicy), later, null, defaultPolicy));
    expect(evaluate(s, later, null, defaultPolicy).window.monetary).toBe(20);
  });

  it('applyEvents prunes at its now', () => {
    const s = stateOf([placed(day(-10), 10)]);
    const later = applyEvents(s, [], NOW + W * DAY, defaultPolicy);
    expect(later.window).toEqual({});
    expect(later.appliedEvents).toBe(1);
  });
});
