import { describe, expect, it } from 'vitest';
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
