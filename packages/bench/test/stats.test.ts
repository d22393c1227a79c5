import { describe, expect, it } from 'vitest';
import { evaluateTargets, limitOf, median, percentile, rate, TARGETS, type Figures } from '../src/stats.js';
import { renderChart } from '../src/svg.js';

const passing: Figures = {
  scorerCpuMicrosPerEvent: 28, redisCpuMicrosPerEvent: 9,
  eventsPerSecond: 45_000, ceilingEventsPerSecond: 150_000, ceilingRatio: 0.3, redisCeilingEventsPerSecond: 80_000,
  redisCeilingRatio: 0.56, naiveEventsPerSecond: 4_000, naiveSpeedup: 11.25, latencyP50Ms: 4, latencyP99Ms: 20,
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

  it('takes the median, averaging the middle two of an even count', () => {
    expect(median([45.1, 41.2, 52.3])).toBe(45.1);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('computes rates', () => {
    expect(rate(69_659, 2_000)).toBe(34_830);
    expect(rate(5, 0)).toBe(0);
  });
});

describe('targets of DESIGN section 7', () => {
  it('are the limits DESIGN section 7 sets, and no longer the Redis ceiling ratio', () => {
    expect(Object.fromEntries(TARGETS.map((t) => [t.figure, `${t.kind === 'min' ? '≥' : '≤'} ${t.limit}`]))).toEqual({
      scorerCpuMicrosPerEvent: '≤ 30', redisCpuMicrosPerEvent: '≤ 10', eventsPerSecond: '≥ 40000', ceilingRatio: '≥ 0.25',
      latencyP50Ms: '≤ 5', latencyP99Ms: '≤ 25', redisBytesPerCustomer: '≤ 1000', redisRoundTripsPerBatch: '≤ 5', naiveSpeedup: '≥ 8',
    });
    expect(limitOf('latencyP99Ms')).toBe(25);
    expect(() => limitOf('redisCeilingRatio')).toThrow(/no target/);
  });

  it('passes figures that meet every target, the limits included', () => {
    const verdicts = evaluateTargets(passing);
    expect(Object.values(verdicts).every((v) => v.pass)).toBe(true);
    expect(verdicts.latencyP99Ms).toEqual({ value: 20, target: '≤ 25', pass: true });
    const atLimits = evaluateTargets({ ...passing, scorerCpuMicrosPerEvent: 30, ceilingRatio: 0.25, latencyP50Ms: 5, naiveSpeedup: 8 });
    expect(Object.values(atLimits).every((v) => v.pass)).toBe(true);
  });

  it('fails each figure on the wrong side of its limit, and a missing (NaN) one', () => {
    const verdicts = evaluateTargets({
      ...passing, scorerCpuMicrosPerEvent: 30.1, redisCpuMicrosPerEvent: 10.1, eventsPerSecond: 39_999, ceilingRatio: 0.249,
      latencyP50Ms: 5.1, latencyP99Ms: 25.1, naiveSpeedup: 7.9, redisBytesPerCustomer: Number.NaN,
    });
    expect(Object.entries(verdicts).filter(([, v]) => !v.pass).map(([k]) => k).sort()).toEqual([
      'ceilingRatio', 'eventsPerSecond', 'latencyP50Ms', 'latencyP99Ms', 'naiveSpeedup', 'redisBytesPerCustomer',
      'redisCpuMicrosPerEvent', 'scorerCpuMicrosPerEvent',
    ]);
  });
});

describe('renderChart', () => {
  it('draws one bar per figure and one dashed line per target, as well-formed SVG', () => {
    const svg = renderChart(passing, 'bench <test>');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<rect /g)).toHaveLength(1 + 8); // background + 2 CPU + 4 throughput + 2 latency bars
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(7); // every target but bytes and round trips
    expect(svg).toContain('0.25 × Kafka ceiling');
    expect(svg).toContain('p99 target 25 ms');
    expect(svg).toContain('bench &lt;test&gt;');
    expect(svg).toContain('45,000');
  });
});
