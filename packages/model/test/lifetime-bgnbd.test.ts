import { describe, expect, it } from 'vitest';
import {
  bgNbdLogLikelihood, bgNbdTotalLogLikelihood, expectedPurchases, pAlive, type BgNbdParams,
} from '../src/index.js';
import { PUBLISHED_BGNBD } from './lifetime-data.js';

const close = (actual: number, expected: number, rel: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
};

describe('BG/NBD expected purchases', () => {
  it("gives Hardie's spreadsheet value for CDNOW customer 1 over 39 weeks (1.226)", () => {
    const e = expectedPurchases(PUBLISHED_BGNBD, 2, 30.43, 38.86, 39);
    expect(e.toFixed(3)).toBe('1.226');
    // 60-digit mpmath value of the closed form, a tighter check than 3 decimals
    close(e, 1.2260281747671444, 1e-13);
  });

  it('does not depend on the time unit: weeks and days (α × 7, times × 7) agree', () => {
    const days = { ...PUBLISHED_BGNBD, alpha: PUBLISHED_BGNBD.alpha * 7 };
    close(expectedPurchases(days, 2, 30.43 * 7, 38.86 * 7, 39 * 7), expectedPurchases(PUBLISHED_BGNBD, 2, 30.43, 38.86, 39), 1e-12);
    close(pAlive(days, 2, 30.43 * 7, 38.86 * 7), pAlive(PUBLISHED_BGNBD, 2, 30.43, 38.86), 1e-12);
  });

  it('is continuous through a = 1, where the textbook (a+b+x−1)/(a−1) form is 0/0', () => {
    const at = (a: number): number => expectedPurchases({ ...PUBLISHED_BGNBD, a }, 3, 20, 38, 52);
    const mid = at(1);
    expect(Number.isFinite(mid)).toBe(true);
    close(mid, (at(1 - 1e-6) + at(1 + 1e-6)) / 2, 1e-11);
    expect(Math.abs(at(1 + 1e-6) - at(1 - 1e-6))).toBeGreaterThan(0);
  });

  it('is 0 at horizon 0 and refuses impossible histories', () => {
    expect(expectedPurchases(PUBLISHED_BGNBD, 2, 30, 38, 0)).toBe(0);
    expect(() => expectedPurchases(PUBLISHED_BGNBD, 2, 40, 38, 10)).toThrow(RangeError);
    expect(() => expectedPurchases(PUBLISHED_BGNBD, -1, 0, 38, 10)).toThrow(RangeError);
    expect(() => expectedPurchases(PUBLISHED_BGNBD, 2, 30, 38, -1)).toThrow(RangeError);
    expect(() => expectedPurchases({ ...PUBLISHED_BGNBD, a: 0 }, 2, 30, 38, 10)).toThrow(RangeError);
  });

  it('stays finite where a power form overflows: 1,000 purchase days, 20 years, in days', () => {
    const days = { ...PUBLISHED_BGNBD, alpha: PUBLISHED_BGNBD.alpha * 7 };
    // ((α+T)/(α+T+t))^(r+x) underflows to 0 and ₂F₁(r+x, b+x; …) overflows in doubles here
    const e = expectedPurchases(days, 1000, 7300, 7300, 7300);
    expect(Number.isFinite(e)).toBe(true);
    expect(e).toBeGreaterThan(500);
    expect(e).toBeLessThan(1100);
  });
});

describe('BG/NBD P(alive)', () => {
  it('is exactly 1 without repeat purchases and matches the odds form otherwise', () => {
    expect(pAlive(PUBLISHED_BGNBD, 0, 0, 38.86)).toBe(1);
    const { r, alpha, a, b } = PUBLISHED_BGNBD;
    const odds = (a / (b + 2 - 1)) * ((alpha + 38.86) / (alpha + 30.43)) ** (r + 2);
    close(pAlive(PUBLISHED_BGNBD, 2, 30.43, 38.86), 1 / (1 + odds), 1e-14);
  });

  it('goes to 0, not NaN, for a long silence after many purchases', () => {
    const p = pAlive(PUBLISHED_BGNBD, 1000, 1, 1000);
    expect(p).toBe(0);
    expect(pAlive(PUBLISHED_BGNBD, 1000, 1000, 1000)).toBeGreaterThan(0.99);
  });
});

describe('BG/NBD log-likelihood', () => {
  const params: BgNbdParams = { r: 0.5, alpha: 6, a: 1.3, b: 4 };

  it('matches the likelihood written out with plain powers and gamma functions', () => {
    // L = Γ(r+x)αʳ/(Γ(r)(α+T)^{r+x}) · B(a, b+x)/B(a, b) · (1 + a/(b+x−1) · ((α+T)/(α+t_x))^{r+x}), x = 3
    const { r, alpha, a, b } = params;
    const [x, tx, T] = [3, 10, 20];
    const gammaRatio = (r + 2) * (r + 1) * r; // Γ(r+3)/Γ(r)
    const betaRatio = (b * (b + 1) * (b + 2)) / ((a + b) * (a + b + 1) * (a + b + 2)); // B(a,b+3)/B(a,b)
    const likelihood = ((gammaRatio * alpha ** r) / (alpha + T) ** (r + x)) * betaRatio
      * (1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x));
    close(bgNbdLogLikelihood(params, x, tx, T), Math.log(likelihood), 1e-12);
  });

  it('weights a cell like that many copies of the customer', () => {
    const cells = [{ x: 0, tx: 0, T: 30, weight: 3 }, { x: 4, tx: 12.5, T: 30, weight: 2 }];
    const copies = 3 * bgNbdLogLikelihood(params, 0, 0, 30) + 2 * bgNbdLogLikelihood(params, 4, 12.5, 30);
    close(bgNbdTotalLogLikelihood(params, cells), copies, 1e-14);
    expect(bgNbdTotalLogLikelihood(params, [...cells, { x: 9, tx: 1, T: 2, weight: 0 }])).toBe(bgNbdTotalLogLikelihood(params, cells));
  });
});
