import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fitInputs, purchaseStats } from '../src/index.js';
import { NOW, day, placed, stateOf } from './fixtures.js';

describe('fitInputs', () => {
  it('groups customers with the same (x, tₓ, T) and repeat buyers with the same (x, spend) into weighted cells', () => {
    const oneTime = stateOf([placed(day(-30), 10)]);
    const repeat = stateOf([placed(day(-30), 20), placed(day(-10), 50), placed(day(-5), 30)]);
    const { purchase, spend } = fitInputs([oneTime, repeat, oneTime, repeat, repeat], NOW);
    expect(purchase).toEqual([{ x: 0, tx: 0, T: 30, weight: 2 }, { x: 2, tx: 25, T: 30, weight: 3 }]);
    expect(spend).toEqual([{ x: 2, zbar: 40, weight: 3 }]);
  });

  it('leaves out customers whose first purchase is after the fit\'s time (an event ahead of the clock)', () => {
    const later = stateOf([placed(day(-3), 10)]);
    expect(fitInputs([later], NOW - 10 * 86_400_000).purchase).toEqual([]);
  });

  it('keeps every customer\'s statistics: the cells\' weights add up and each cell is some customer\'s', () => {
    const customer = fc.array(fc.record({ d: fc.integer({ min: -400, max: 0 }), amount: fc.integer({ min: 1, max: 50_000 }) }), { minLength: 1, maxLength: 12 })
      .map((os) => stateOf(os.map((o) => placed(day(o.d), o.amount / 100))));
    fc.assert(fc.property(fc.array(customer, { maxLength: 40 }), (states) => {
      const { purchase, spend } = fitInputs(states, NOW);
      expect(purchase.reduce((n, c) => n + c.weight, 0)).toBe(states.length);
      const stats = states.map((s) => purchaseStats(s, NOW)!);
      for (const cell of purchase) {
        expect(stats.filter((s) => s.x === cell.x && s.tx === cell.tx && s.T === cell.T)).toHaveLength(cell.weight);
      }
      expect(spend.reduce((n, c) => n + c.weight, 0)).toBe(stats.filter((s) => s.x > 0 && s.repeatSpendMean! > 0).length);
    }));
  });
});
