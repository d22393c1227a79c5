import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyEvents, defaultPolicy, emptyState, purchaseStats } from '../src/index.js';
import { NOW, day, cancelled, placed, refunded, stateOf } from './fixtures.js';

describe('purchaseStats (the lifetime model\'s x, t_x, T and repeat spend)', () => {
  it('counts repeat purchase days, not orders, and the placed value of the days after the first', () => {
    // two orders on the first day, two on day −20 (one repeat day), one on day −5
    const s = stateOf([placed(day(-50, 9), 10), placed(day(-50, 15), 30), placed(day(-20), 25), placed(day(-20, 11), 15), placed(day(-5), 60)]);
    expect(purchaseStats(s, NOW)).toEqual({ x: 2, tx: 45, T: 50, repeatSpendMean: (40 + 60) / 2 });
  });

  it('gives a one-time buyer x = 0 and no spend mean; a never-buyer nothing', () => {
    expect(purchaseStats(stateOf([placed(day(-3), 10)]), NOW)).toEqual({ x: 0, tx: 0, T: 3, repeatSpendMean: null });
    expect(purchaseStats(emptyState(), NOW)).toBeNull();
  });

  it('keeps a cancelled or refunded repeat order as a visit with its placed value (they count in profit)', () => {
    const s = stateOf([placed(day(-30), 20), placed(day(-10), 50), cancelled(day(-9), 50), refunded(day(-8), 10)]);
    expect(purchaseStats(s, NOW)).toEqual({ x: 1, tx: 20, T: 30, repeatSpendMean: 50 });
  });

  it('is the same whatever order and batching the events come in', () => {
    const events = fc.array(fc.record({ d: fc.integer({ min: -400, max: 0 }), hour: fc.integer({ min: 0, max: 23 }), amount: fc.integer({ min: 1, max: 50_000 }) }), { minLength: 1, maxLength: 30 })
      .map((os) => os.map((o, i) => ({ ...placed(day(o.d, o.hour), o.amount / 100), eventId: `e${i}` })));
    fc.assert(fc.property(events.chain((es) => fc.tuple(fc.constant(es), fc.shuffledSubarray(es, { minLength: es.length, maxLength: es.length }), fc.nat({ max: es.length }))), ([inOrder, shuffled, split]) => {
      const once = applyEvents(emptyState(), inOrder, NOW, defaultPolicy);
      const twice = applyEvents(applyEvents(emptyState(), shuffled.slice(0, split), NOW, defaultPolicy), shuffled.slice(split), NOW, defaultPolicy);
      expect(purchaseStats(twice, NOW)).toEqual(purchaseStats(once, NOW));
    }));
  });
});
