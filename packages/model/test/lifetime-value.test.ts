import { describe, expect, it } from 'vitest';
import {
  customerLifetimeValue, expectedOrderValue, expectedPurchases, gammaGammaLogLikelihood,
  gammaGammaTotalLogLikelihood, type GammaGammaParams,
} from '../src/index.js';
import { PUBLISHED_BGNBD, PUBLISHED_GAMMA_GAMMA } from './lifetime-data.js';

const close = (actual: number, expected: number, rel: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
};
const DAYS = { ...PUBLISHED_BGNBD, alpha: PUBLISHED_BGNBD.alpha * 7 };

describe('Gamma-Gamma', () => {
  it('expected order value shrinks zbar towards the population mean pγ/(q−1)', () => {
    const { p, q, gamma } = PUBLISHED_GAMMA_GAMMA;
    const population = (p * gamma) / (q - 1);
    expect(expectedOrderValue(PUBLISHED_GAMMA_GAMMA, 0, 0)).toEqual({ ok: true, value: population });
    const one = expectedOrderValue(PUBLISHED_GAMMA_GAMMA, 1, 100);
    const many = expectedOrderValue(PUBLISHED_GAMMA_GAMMA, 50, 100);
    if (!one.ok || !many.ok) throw new Error('expected values');
    close(one.value, (p * (gamma + 100)) / (p + q - 1), 1e-15);
    expect(one.value).toBeGreaterThan(population);
    expect(one.value).toBeLessThan(many.value);
    expect(many.value).toBeLessThan(100);
  });

  it('reports q ≤ 1 instead of an infinite or negative expectation', () => {
    expect(expectedOrderValue({ ...PUBLISHED_GAMMA_GAMMA, q: 1 }, 3, 20)).toEqual({ ok: false, reason: 'q_le_1' });
    expect(expectedOrderValue({ ...PUBLISHED_GAMMA_GAMMA, q: 0.4 }, 3, 20)).toEqual({ ok: false, reason: 'q_le_1' });
  });

  it('log-likelihood matches the density written out, and weights cells', () => {
    const params: GammaGammaParams = { p: 2, q: 3, gamma: 10 };
    // x = 2, px = 4: Γ(7)/(Γ(4)Γ(3)) · γ³ x⁴ zbar³ / (γ + 2 zbar)⁷
    const zbar = 15;
    const density = (720 / (6 * 2)) * 10 ** 3 * 2 ** 4 * zbar ** 3 / (10 + 2 * zbar) ** 7;
    close(gammaGammaLogLikelihood(params, 2, zbar), Math.log(density), 1e-13);
    const cells = [{ x: 2, zbar, weight: 4 }, { x: 7, zbar: 3.5, weight: 1 }];
    close(gammaGammaTotalLogLikelihood(params, cells), 4 * Math.log(density) + gammaGammaLogLikelihood(params, 7, 3.5), 1e-13);
    expect(() => gammaGammaLogLikelihood(params, 0, 10)).toThrow(RangeError);
    expect(() => gammaGammaLogLikelihood(params, 2, 0)).toThrow(RangeError);
  });
});

describe('customer lifetime value (lifetimes definition)', () => {
  const customer = { x: 4, tx: 200, T: 260 };
  const options = { horizonMonths: 12, monthlyDiscountRate: 0.01, marginRate: 0.3 };

  it('is the sum over 30-day months of the purchases in the month × value × margin, discounted by month', () => {
    let expected = 0;
    for (let k = 1; k <= 12; k++) {
      const inMonth = expectedPurchases(DAYS, 4, 200, 260, 30 * k) - expectedPurchases(DAYS, 4, 200, 260, 30 * (k - 1));
      expected += (inMonth * 80 * 0.3) / 1.01 ** k;
    }
    close(customerLifetimeValue(DAYS, customer, 80, options), expected, 1e-13);
  });

  it('telescopes to E[Y(30·H)] × value × margin without discounting', () => {
    const clv = customerLifetimeValue(DAYS, customer, 80, { ...options, monthlyDiscountRate: 0, horizonMonths: 24 });
    close(clv, expectedPurchases(DAYS, 4, 200, 260, 720) * 80 * 0.3, 1e-12);
  });

  it('uses lifetimes’ 4.345-week month for a model fitted in weeks', () => {
    const weeks = { x: 4, tx: 200 / 7, T: 260 / 7 };
    const clv = customerLifetimeValue(PUBLISHED_BGNBD, weeks, 80, { ...options, monthlyDiscountRate: 0, unitsPerMonth: 4.345 });
    close(clv, expectedPurchases(PUBLISHED_BGNBD, 4, 200 / 7, 260 / 7, 12 * 4.345) * 80 * 0.3, 1e-12);
  });

  it('is 0 for a 0-month horizon or a 0 margin, and refuses nonsense options', () => {
    expect(customerLifetimeValue(DAYS, customer, 80, { ...options, horizonMonths: 0 })).toBe(0);
    expect(customerLifetimeValue(DAYS, customer, 80, { ...options, marginRate: 0 })).toBe(0);
    expect(() => customerLifetimeValue(DAYS, customer, 80, { ...options, horizonMonths: 1.5 })).toThrow(RangeError);
    expect(() => customerLifetimeValue(DAYS, customer, 80, { ...options, marginRate: 1.2 })).toThrow(RangeError);
    expect(() => customerLifetimeValue(DAYS, customer, NaN, options)).toThrow(RangeError);
  });
});
