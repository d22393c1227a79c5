import { describe, expect, it } from 'vitest';
import { evaluateTargets, percentile, rate, type Figures } from '../src/stats.js';
import { renderChart } from '../src/svg.js';

const passing: Figures = {
  eventsPerSecond: 45_000, ceilingEventsPerSecond: 250_000, ceilingRatio: 0.18, redisCeilingEventsPerSecond: 80_000,
  redisCeilingRatio: 0.56, naiveEventsPerSecond: 4_000, naiveSpeedup: 11.25, latencyP50Ms: 6, latencyP99Ms: 30,
  redisBytesPerCustomer: 700, redisRoundTripsPerBatch: 3,
};

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('computes rates', () => {
    expect(rate(69_659, 2_000)).toBe(34_830);
    expect(rate(5, 0)).toBe(0);
  });
});

describe('targets of DESIGN section 7', () => {
  it('passes figures that meet every target', () => {
    const verdicts = evaluateTargets(passing);
    expect(Object.values(verdicts).every((v) => v.pass)).toBe(true);
    expect(verdicts.latencyP99Ms).toEqual({ value: 30, target: '≤ 50', pass: true });
  });

  it('fails each figure on the wrong side of its limit, and a missing (NaN) one', () => {
    const verdicts = evaluateTargets({ ...passing, eventsPerSecond: 39_999, latencyP99Ms: 51, naiveSpeedup: 4.9, redisBytesPerCustomer: Number.NaN });
    expect(Object.entries(verdicts).filter(([, v]) => !v.pass).map(([k]) => k).sort())
      .toEqual(['eventsPerSecond', 'latencyP99Ms', 'naiveSpeedup', 'redisBytesPerCustomer']);
  });
});

describe('renderChart', () => {
  it('draws one bar per figure and one dashed line per target, as well-formed SVG', () => {
    const svg = renderChart(passing, 'bench <test>');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<rect /g)).toHaveLength(1 + 6); // background + 4 throughput + 2 latency bars
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(6);
    expect(svg).toContain('bench &lt;test&gt;');
    expect(svg).toContain('45,000');
  });
});
