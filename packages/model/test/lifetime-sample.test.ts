import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fitCells, sampleCells, spendLevel } from '../src/index.js';

describe('fitCells', () => {
  it('reads purchase cells with T as of the fit\'s day and spend cells back in major units', () => {
    const counts = new Map([['b:0:0:100', 7], ['b:2:30:90', 2], ['g:2:' + spendLevel(4_000), 2], ['b:1:5:400', 1], ['x:junk', 3]]);
    const { purchase, spend } = fitCells(counts, 300);
    expect(purchase).toEqual([{ x: 0, tx: 0, T: 200, weight: 7 }, { x: 2, tx: 30, T: 210, weight: 2 }]); // day 400 is after the fit's day
    expect(spend).toHaveLength(1);
    expect(spend[0]!.x).toBe(2);
    expect(spend[0]!.zbar).toBeCloseTo(40, 1);
  });
});

describe('sampleCells', () => {
  it('keeps about `size` customers, never more than a cell had, the same for the same seed', () => {
    const cells = fc.array(fc.record({ x: fc.nat({ max: 50 }), weight: fc.integer({ min: 1, max: 5_000 }) }), { minLength: 1, maxLength: 300 });
    fc.assert(fc.property(cells, fc.integer({ min: 100, max: 20_000 }), fc.integer(), (cs, size, seed) => {
      const total = cs.reduce((n, c) => n + c.weight, 0);
      const sample = sampleCells(cs, size, seed);
      const kept = sample.reduce((n, c) => n + c.weight, 0);
      if (total <= size) expect(kept).toBe(total);
      else expect(Math.abs(kept - size)).toBeLessThanOrEqual(cs.length); // each cell rounds by less than one
      expect(sampleCells(cs, size, seed)).toEqual(sample);
    }));
  });

  it('is unbiased: over many seeds a cell keeps its share', () => {
    const cells = [{ id: 'a', weight: 3 }, { id: 'b', weight: 997 }];
    let a = 0;
    for (let seed = 0; seed < 2_000; seed++) a += sampleCells(cells, 100, seed).find((c) => c.id === 'a')?.weight ?? 0;
    expect(a / 2_000).toBeCloseTo(0.3, 1);
  });
});
