import { describe, expect, it } from 'vitest';
import { nelderMead } from '../src/index.js';

const close = (actual: number, expected: number, rel: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
};

describe('nelderMead', () => {
  it('finds the Rosenbrock minimum from the classic start', () => {
    const rosenbrock = ([x, y]: readonly number[]): number => 100 * (y! - x! ** 2) ** 2 + (1 - x!) ** 2;
    const result = nelderMead(rosenbrock, [-1.2, 1], { xTolerance: 1e-10, fTolerance: 1e-16 });
    expect(result.converged).toBe(true);
    close(result.x[0]!, 1, 1e-6);
    close(result.x[1]!, 1, 1e-6);
  });

  it('finds a 4-dimensional quadratic minimum and walks away from NaN', () => {
    const target = [0.3, -2, 5, 1];
    const f = (v: readonly number[]): number =>
      v[0]! < -1 ? NaN : v.reduce((s, vi, i) => s + (i + 1) * (vi - target[i]!) ** 2, 0);
    const result = nelderMead(f, [0, 0, 0, 0], { xTolerance: 1e-9 });
    expect(result.converged).toBe(true);
    result.x.forEach((xi, i) => expect(Math.abs(xi - target[i]!)).toBeLessThan(1e-7));
  });

  it('reports no convergence when the iterations run out', () => {
    const result = nelderMead(([x, y]) => (x! - 3) ** 2 + (y! + 1) ** 2, [0, 0], { maxIterations: 5 });
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(5);
  });
});
