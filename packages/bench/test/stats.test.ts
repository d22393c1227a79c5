import { describe, expect, it } from 'vitest';
import {
  bestRun, evaluateTargets, limitOf, median, percentile, rate, targetOutcomes, TARGETS, verdictLine, type Figures,
} from '../src/stats.js';
import { renderChart } from '../src/svg.js';

const passing: Figures = {
  scorerCpuMicrosPerEvent: 28, redisCpuMicrosPerEvent: 9,
  eventsPerSecond: 45_000, ceilingEventsPerSecond: 150_000, ceilingRatio: 0.3, redisCeilingEventsPerSecond: 80_000,
  redisCeilingRatio: 0.56, naiveEventsPerSecond: 4_000, naiveSpeedup: 11.25, latencyP50Ms: 4, latencyP99Ms: 20, latencyFromDueP50Ms: 6.5, latencyFromDueP99Ms: 24,
  redisBytesPerCustomer: 700, redisRoundTripsPerBatch: 3, consoleFirstRenderMs: 600,
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
  it('are the limits DESIGN section 7 sets (and issue 16\'s first render), and no longer the Redis ceiling ratio', () => {
    expect(Object.fromEntries(TARGETS.map((t) => [t.figure, `${t.kind === 'min' ? '≥' : '≤'} ${t.limit}`]))).toEqual({
      scorerCpuMicrosPerEvent: '≤ 30', redisCpuMicrosPerEvent: '≤ 10', eventsPerSecond: '≥ 40000', ceilingRatio: '≥ 0.25',
      latencyP50Ms: '≤ 5', latencyP99Ms: '≤ 25', redisBytesPerCustomer: '≤ 1000', redisRoundTripsPerBatch: '≤ 5', naiveSpeedup: '≥ 8',
      consoleFirstRenderMs: '≤ 1000',
    });
    expect(limitOf('latencyP99Ms')).toBe(25);
    expect(() => limitOf('redisCeilingRatio')).toThrow(/no target/);
  });

  it('passes figures that meet every target, the limits included', () => {
    const verdicts = evaluateTargets(passing);
    expect(Object.values(verdicts).every((v) => v.pass)).toBe(true);
    expect(verdicts.latencyP99Ms).toEqual({ value: 20, target: '≤ 25', pass: true, comparable: true });
    const atLimits = evaluateTargets({ ...passing, scorerCpuMicrosPerEvent: 30, ceilingRatio: 0.25, latencyP50Ms: 5, naiveSpeedup: 8, consoleFirstRenderMs: 1_000 });
    expect(Object.values(atLimits).every((v) => v.pass)).toBe(true);
  });

  it('fails each figure on the wrong side of its limit, and a missing (NaN) one', () => {
    const verdicts = evaluateTargets({
      ...passing, scorerCpuMicrosPerEvent: 30.1, redisCpuMicrosPerEvent: 10.1, eventsPerSecond: 39_999, ceilingRatio: 0.249,
      latencyP50Ms: 5.1, latencyP99Ms: 25.1, naiveSpeedup: 7.9, redisBytesPerCustomer: Number.NaN, consoleFirstRenderMs: 1_001,
    });
    expect(Object.entries(verdicts).filter(([, v]) => !v.pass).map(([k]) => k).sort()).toEqual([
      'ceilingRatio', 'consoleFirstRenderMs', 'eventsPerSecond', 'latencyP50Ms', 'latencyP99Ms', 'naiveSpeedup', 'redisBytesPerCustomer',
      'redisCpuMicrosPerEvent', 'scorerCpuMicrosPerEvent',
    ]);
  });
});

describe('steal and comparability', () => {
  const target = (figure: keyof Figures) => TARGETS.find((t) => t.figure === figure) as (typeof TARGETS)[number];

  it('marks a rate or latency from a phase with steal over 5 % not comparable, pass or fail', () => {
    const verdicts = evaluateTargets({ ...passing, eventsPerSecond: 30_000 }, TARGETS, {
      eventsPerSecond: 0.051, latencyP50Ms: 0.12, latencyP99Ms: 0.05, ceilingRatio: 0.2, naiveSpeedup: 0, consoleFirstRenderMs: 0.06,
    });
    expect(verdicts.eventsPerSecond).toEqual({ value: 30_000, target: '≥ 40000', pass: false, comparable: false, stealShare: 0.051 });
    expect(verdicts.latencyP50Ms?.comparable).toBe(false);
    expect(verdicts.ceilingRatio?.comparable).toBe(false);
    expect(verdicts.consoleFirstRenderMs).toMatchObject({ comparable: false, pass: true });
    // 5 % itself is still comparable ("under 5 %" with the bench's rounding to 0.1 %)
    expect(verdicts.latencyP99Ms).toMatchObject({ comparable: true, pass: true, stealShare: 0.05 });
    expect(verdicts.naiveSpeedup?.comparable).toBe(true);
    expect(targetOutcomes(verdicts)).toMatchObject({ eventsPerSecond: null, latencyP50Ms: null, latencyP99Ms: true, naiveSpeedup: true });
  });

  it('keeps CPU per event, bytes and round trips comparable whatever the steal', () => {
    const verdicts = evaluateTargets({ ...passing, scorerCpuMicrosPerEvent: 45 }, TARGETS, {
      scorerCpuMicrosPerEvent: 0.4, redisCpuMicrosPerEvent: 0.4, redisBytesPerCustomer: 0.4, redisRoundTripsPerBatch: 0.4,
    });
    expect(verdicts.scorerCpuMicrosPerEvent).toMatchObject({ pass: false, comparable: true });
    expect(targetOutcomes(verdicts)).toMatchObject({ scorerCpuMicrosPerEvent: false, redisCpuMicrosPerEvent: true, redisBytesPerCustomer: true, redisRoundTripsPerBatch: true });
  });

  it('prints PASS, FAIL or "not comparable (steal x %)"', () => {
    const verdicts = evaluateTargets({ ...passing, latencyP99Ms: 31.5 }, TARGETS, { eventsPerSecond: 0.123 });
    expect(verdictLine(target('eventsPerSecond'), verdicts.eventsPerSecond!)).toMatch(/^not comparable \(steal 12\.3 %\)\s+eventsPerSecond\s+45000\s+\(≥ 40000: /);
    expect(verdictLine(target('latencyP99Ms'), verdicts.latencyP99Ms!)).toMatch(/^FAIL\s+latencyP99Ms\s+31\.5\s+\(≤ 25: end-to-end latency p99/);
    expect(verdictLine(target('redisBytesPerCustomer'), verdicts.redisBytesPerCustomer!)).toMatch(/^PASS\s+redisBytesPerCustomer\s+700\s+\(≤ 1000: /);
  });

  it('reports the fastest run among those without steal, or the fastest of all when every run had steal', () => {
    const runs = [{ eventsPerSecond: 30_000, stealShare: 0.2 }, { eventsPerSecond: 25_000, stealShare: 0.01 }, { eventsPerSecond: 27_000, stealShare: 0 }];
    expect(bestRun(runs, (r) => r.eventsPerSecond)).toBe(runs[2]);
    expect(bestRun(runs.slice(0, 1), (r) => r.eventsPerSecond)).toBe(runs[0]);
    expect(() => bestRun([], (r: { stealShare: number }) => r.stealShare)).toThrow(/no runs/);
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
