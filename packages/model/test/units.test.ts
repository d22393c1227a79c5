import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundCents } from '../src/units.js';
import { fromCents, toCents, utcDay } from '../src/index.js';

describe('units', () => {
  it('toCents absorbs float noise and rounds half away from zero', () => {
    expect(0.29 * 100).not.toBe(29); // the noise this guards against
    expect(toCents(0.29)).toBe(29);
    expect(toCents(1.005)).toBe(101);
    expect(toCents(-1.005)).toBe(-101);
    expect(toCents(120.5)).toBe(12050);
    expect(toCents(0.004)).toBe(0);
    expect(Object.is(toCents(-0.001), 0)).toBe(true); // never -0
    expect(toCents(12_345_678.91)).toBe(1_234_567_891);
  });

  it('toCents rejects non-finite amounts', () => {
    expect(() => toCents(Number.NaN)).toThrow(RangeError);
    expect(() => toCents(Infinity)).toThrow(/finite/);
  });

  it('fromCents and utcDay', () => {
    expect(fromCents(101240)).toBe(1012.4);
    expect(fromCents(-5)).toBe(-0.05);
    expect(utcDay(0)).toBe(0);
    expect(utcDay(86_399_999)).toBe(0);
    expect(utcDay(86_400_000)).toBe(1);
    expect(utcDay(-1)).toBe(-1);
    expect(utcDay(Date.UTC(2026, 10, 20, 23, 59))).toBe(utcDay(Date.UTC(2026, 10, 20)));
  });
});

describe('roundCents fast path', () => {
  it('agrees with the exact rounding (15 significant digits, half away from zero) everywhere', () => {
    const exact = (x: number) => {
      const cents = Math.round(Number(Math.abs(x).toPrecision(15)));
      return cents === 0 ? 0 : x < 0 ? -cents : cents;
    };
    const amounts = fc.oneof(
      fc.double({ min: -1e14, max: 1e14, noNaN: true }),
      fc.integer({ min: -10_000_000, max: 10_000_000 }).map((c) => (c / 100) * 100), // cents via major units
      fc.integer({ min: -10_000_000, max: 10_000_000 }).map((c) => c + 0.5),
      fc.tuple(fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0, max: 1, noNaN: true })).map(([a, r]) => a * r * 100),
    );
    fc.assert(fc.property(amounts, (x) => {
      expect(Object.is(roundCents(x), exact(x) === 0 ? 0 : exact(x))).toBe(true);
    }), { numRuns: 20_000 });
  });
});
