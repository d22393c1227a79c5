import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { customerLifetimeValue, expectedPurchases, pAlive, type BgNbdParams } from '../src/index.js';
import { PUBLISHED_BGNBD } from './lifetime-data.js';

const TWENTY_YEARS = 7300; // days
const CDNOW_DAYS: BgNbdParams = { ...PUBLISHED_BGNBD, alpha: PUBLISHED_BGNBD.alpha * 7 };

/** fitted-looking parameters in days: CDNOW's, or anything in a range real bases produce */
const params = fc.oneof(
  fc.constant(CDNOW_DAYS),
  fc.record({
    r: fc.double({ min: 0.05, max: 5, noNaN: true }),
    alpha: fc.double({ min: 5, max: 200, noNaN: true }),
    a: fc.double({ min: 0.1, max: 5, noNaN: true }),
    b: fc.double({ min: 0.1, max: 20, noNaN: true }),
  }),
);
/** (x, t_x, T) with t_x ≤ T ≤ 20 years, x up to 1,000 purchase days (0 has t_x = 0) */
const history = fc.record({
  x: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1000 })),
  T: fc.double({ min: 0, max: TWENTY_YEARS, noNaN: true }),
  share: fc.double({ min: 0, max: 1, noNaN: true }),
}).map(({ x, T, share }) => ({ x, T, tx: x === 0 ? 0 : Math.min(T, share * T) }));
// 0, or from ~1.4 minutes on: subnormal horizons (1e-323 days) only test denormal arithmetic
const horizon = fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: TWENTY_YEARS, noNaN: true }));

describe('BG/NBD properties (x ≤ 1,000, ages and horizons ≤ 20 years, in days)', () => {
  it('E[Y(t)] is finite, ≥ 0, non-decreasing in t and below P(alive)·t·(r+x)/(α+T)', () => {
    fc.assert(fc.property(params, history, horizon, horizon, (p, { x, tx, T }, t1, t2) => {
      const [short, long] = t1 <= t2 ? [t1, t2] : [t2, t1];
      const e1 = expectedPurchases(p, x, tx, T, short);
      const e2 = expectedPurchases(p, x, tx, T, long);
      expect(Number.isFinite(e1) && Number.isFinite(e2)).toBe(true);
      expect(e1).toBeGreaterThanOrEqual(0);
      expect(e2).toBeGreaterThanOrEqual(e1 * (1 - 1e-12));
      // alive, the purchase rate's posterior is gamma(r+x, α+T) and E[Y(t) | λ, p] ≤ λt
      expect(e2).toBeLessThanOrEqual(pAlive(p, x, tx, T) * long * (p.r + x) / (p.alpha + T) * (1 + 1e-10) + 1e-300);
    }), { numRuns: 300 });
  });

  it('P(alive) is in [0, 1], exactly 1 for x = 0, and higher for a more recent last purchase', () => {
    fc.assert(fc.property(params, history, (p, { x, tx, T }) => {
      const alive = pAlive(p, x, tx, T);
      expect(alive).toBeGreaterThanOrEqual(0);
      expect(alive).toBeLessThanOrEqual(1);
      if (x === 0) expect(alive).toBe(1);
      else expect(pAlive(p, x, T, T)).toBeGreaterThanOrEqual(alive);
    }), { numRuns: 300 });
  });

  it('CLV is finite, ≥ 0 and non-decreasing in the horizon (up to 20 years of months)', () => {
    const months = fc.integer({ min: 0, max: 240 });
    fc.assert(fc.property(params, history, months, months, fc.double({ min: 0, max: 0.05, noNaN: true }), (p, h, m1, m2, discount) => {
      const [short, long] = m1 <= m2 ? [m1, m2] : [m2, m1];
      const options = { monthlyDiscountRate: discount, marginRate: 0.35 };
      const c1 = customerLifetimeValue(p, h, 57.5, { ...options, horizonMonths: short });
      const c2 = customerLifetimeValue(p, h, 57.5, { ...options, horizonMonths: long });
      expect(Number.isFinite(c2)).toBe(true);
      expect(c1).toBeGreaterThanOrEqual(0);
      expect(c2).toBeGreaterThanOrEqual(c1);
    }), { numRuns: 60 });
  });
});
