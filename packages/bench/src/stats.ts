/** Pure pieces of the benchmark: percentiles, medians, the DESIGN section 7 targets and their verdicts. */

/** The p-th percentile (0..100) of a sample by the nearest-rank method; NaN for an empty one. */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** The median of a sample (the mean of the middle two for an even count); NaN for an empty one. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Rate in events per second, rounded; 0 when no time passed. */
export function rate(events: number, ms: number): number {
  return ms > 0 ? Math.round((events / ms) * 1000) : 0;
}

export interface Figures {
  /** CPU µs per consumed event of the scorer process (all threads) over the measured copy, median of the drains */
  scorerCpuMicrosPerEvent: number;
  /** CPU µs per consumed event of redis-server over the same windows, median of the drains */
  redisCpuMicrosPerEvent: number;
  eventsPerSecond: number;
  ceilingEventsPerSecond: number;
  ceilingRatio: number;
  redisCeilingEventsPerSecond: number;
  redisCeilingRatio: number;
  naiveEventsPerSecond: number;
  naiveSpeedup: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  redisBytesPerCustomer: number;
  redisRoundTripsPerBatch: number;
}

export interface Target {
  figure: keyof Figures;
  /** at least (min) or at most (max) */
  kind: 'min' | 'max';
  limit: number;
  what: string;
}

/**
 * DESIGN section 7, as written there (2026-12-04). "Round trips per consumed batch bounded by a
 * constant" is checked against the constant the scorer's code promises (tenants + read + write
 * per conflict-free batch = 3) with headroom for the relay and back-pressure polls that share
 * the connection: 5.
 *
 * `redisCeilingRatio` is still measured and reported but is no target: DESIGN section 7 dropped
 * it, since the CPU per event of the scorer and of Redis says directly what it approximated (how
 * much more than its own atomic step the pipeline costs) and does not move with steal.
 */
export const TARGETS: readonly Target[] = [
  { figure: 'scorerCpuMicrosPerEvent', kind: 'max', limit: 30, what: 'scorer CPU µs per event (all threads), CDNOW drain' },
  { figure: 'redisCpuMicrosPerEvent', kind: 'max', limit: 10, what: 'Redis CPU µs per event, CDNOW drain' },
  { figure: 'eventsPerSecond', kind: 'min', limit: 40_000, what: 'scorer throughput, one process' },
  { figure: 'ceilingRatio', kind: 'min', limit: 0.25, what: 'share of the raw Kafka ceiling' },
  { figure: 'latencyP50Ms', kind: 'max', limit: 5, what: 'end-to-end latency p50 at 2,000 events/s' },
  { figure: 'latencyP99Ms', kind: 'max', limit: 25, what: 'end-to-end latency p99 at 2,000 events/s' },
  { figure: 'redisBytesPerCustomer', kind: 'max', limit: 1_000, what: 'Redis bytes per customer after CDNOW_master' },
  { figure: 'redisRoundTripsPerBatch', kind: 'max', limit: 5, what: 'Redis round trips per consumed batch' },
  { figure: 'naiveSpeedup', kind: 'min', limit: 8, what: 'speed-up over naive read-modify-write' },
];

/** A target's limit by figure (the chart draws them; one place to change a limit). */
export function limitOf(figure: keyof Figures): number {
  const target = TARGETS.find((t) => t.figure === figure);
  if (target === undefined) throw new Error(`no target for ${figure}`);
  return target.limit;
}

export interface Verdict {
  value: number;
  target: string;
  pass: boolean;
}

export function evaluateTargets(figures: Figures, targets: readonly Target[] = TARGETS): Record<string, Verdict> {
  const verdicts: Record<string, Verdict> = {};
  for (const t of targets) {
    const value = figures[t.figure];
    const pass = Number.isFinite(value) && (t.kind === 'min' ? value >= t.limit : value <= t.limit);
    verdicts[t.figure] = { value, target: `${t.kind === 'min' ? '≥' : '≤'} ${t.limit}`, pass };
  }
  return verdicts;
}

/** Rounds for display: 3 significant decimals for ratios, whole numbers for the rest. */
export function round(value: number, decimals = 0): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
