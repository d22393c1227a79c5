/**
 * Prometheus histograms as the scorer's /metrics shows them (prom-client's text format): parsed
 * per value of one label, and the difference of two scrapes, so that a phase reads what was
 * observed during its own window. Quantiles of the result: `histogramQuantile` in stats.ts.
 */
import type { Bucket } from './stats.js';

/** `key="value"` pairs of a sample's label set (values may hold escaped quotes). */
function labelsOf(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels.set(m[1] as string, (m[2] as string).replace(/\\(.)/g, '$1'));
  return labels;
}

/**
 * The cumulative buckets of histogram `name` per value of label `by` (for the scorer's latency
 * histogram, per stage), upper bounds ascending, +Inf last. Series that differ in other labels
 * (a `service` or a thread's own registry) are added up. Empty when the histogram is absent.
 */
export function parseHistograms(text: string, name: string, by: string): Map<string, Bucket[]> {
  const counts = new Map<string, Map<number, number>>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`)) continue;
    const close = line.lastIndexOf('}');
    const labels = labelsOf(line.slice(name.length + '_bucket{'.length, close));
    const group = labels.get(by);
    const le = labels.get('le');
    const value = Number(line.slice(close + 1).trim().split(/\s+/)[0]);
    if (group === undefined || le === undefined || !Number.isFinite(value)) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    const buckets = counts.get(group) ?? new Map<number, number>();
    buckets.set(bound, (buckets.get(bound) ?? 0) + value);
    counts.set(group, buckets);
  }
  return new Map([...counts].map(([group, buckets]) => [group, [...buckets].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }))]));
}

/**
 * What was observed between two scrapes of the same histogram: `after` minus `before`, bucket by
 * bucket (a bucket `before` lacks counts from 0: the series appeared meanwhile). A count that
 * went down means the process restarted between the scrapes, and the difference means nothing.
 */
export function histogramDelta(before: readonly Bucket[] | undefined, after: readonly Bucket[]): Bucket[] {
  const earlier = new Map((before ?? []).map((b) => [b.le, b.count]));
  return after.map(({ le, count }) => {
    const delta = count - (earlier.get(le) ?? 0);
    if (delta < 0) throw new Error(`histogram bucket le=${le} went down between scrapes (${earlier.get(le)} → ${count}): the process restarted`);
    return { le, count: delta };
  });
}
