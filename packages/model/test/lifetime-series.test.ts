import { describe, expect, it } from 'vitest';
import { hyp2f1Excess, SeriesDivergenceError } from '../src/index.js';

const close = (actual: number, expected: number, rel: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
};

describe('hyp2f1Excess = c·(₂F₁(a, b; c; z) − 1)/b', () => {
  it.each([0.001, 0.3, 0.9, 0.999, 0.99999])('₂F₁(a, b; b; z) = (1 − z)^−a at z = %s', (z) => {
    close(hyp2f1Excess(0.7, 2.5, 2.5, z), (1 - z) ** -0.7 - 1, 1e-13);
  });

  it.each([1e-6, 0.5, 0.99, 0.99999])('the b → 0 limit: Σ zⁿ/n = −log(1 − z) at z = %s', (z) => {
    close(hyp2f1Excess(3.2, 0, 3.2, z), -3.2 * Math.log1p(-z), 1e-13);
  });

  it('₂F₁(1, 1; 2; z) = −log(1 − z)/z', () => {
    for (const z of [0.1, 0.75, 0.9999]) close(hyp2f1Excess(1, 1, 2, z), 2 * (-Math.log1p(-z) / z - 1), 1e-13);
  });

  it('sums a series whose first terms change sign (a < 0)', () => {
    // ₂F₁(−2, b; c; z) is a polynomial: 1 − 2bz/c + b(b+1)z²/(c(c+1))
    const [b, c, z] = [1.5, 4, 0.8];
    close(hyp2f1Excess(-2, b, c, z), -2 * z + ((b + 1) * z * z) / (c + 1), 1e-14);
  });

  it('stays finite through c = 0, where ₂F₁ itself has a pole (c·₂F₁ has none)', () => {
    // c·(₂F₁(a, b; c; z) − 1)/b → Σ (a)_n (b+1)_{n−1} zⁿ/((1)_{n−1} n!) as c → 0: with a = 1, b = 0
    // that is Σ zⁿ = z/(1 − z)
    close(hyp2f1Excess(1, 0, 0, 0.6), 0.6 / 0.4, 1e-14);
    // c = −1/2: Σ (n−1)!/(1/2)_{n−1} zⁿ = z·₂F₁(1, 1; 1/2; z) = z·[1/(1−z) + √z·asin(√z)/(1−z)^{3/2}]
    const z = 0.3;
    close(hyp2f1Excess(1, 0, -0.5, z), z * (1 / (1 - z) + (Math.sqrt(z) * Math.asin(Math.sqrt(z))) / (1 - z) ** 1.5), 1e-14);
  });

  it('is 0 at z = 0 and refuses z outside [0, 1)', () => {
    expect(hyp2f1Excess(1, 2, 3, 0)).toBe(0);
    expect(() => hyp2f1Excess(1, 2, 3, 1)).toThrow(RangeError);
    expect(() => hyp2f1Excess(1, 2, 3, -0.1)).toThrow(RangeError);
    expect(() => hyp2f1Excess(1, 2, -1, 0.5)).toThrow(RangeError);
  });

  it('gives up with SeriesDivergenceError rather than spinning when z is too close to 1', () => {
    expect(() => hyp2f1Excess(2, 2, 1.5, 1 - 1e-9)).toThrow(SeriesDivergenceError);
  });
});
