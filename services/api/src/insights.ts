import { DIMENSIONS, RELATIONSHIP_SEGMENTS, type Dimension } from '@bondstream/model';
import type { SegmentCounts, TransitionCount } from '@bondstream/redis-state';

/**
 * The console's aggregates, pure: a period's transitions, the daily segment sizes they imply,
 * and the value panel's histograms and quadrants. Shapes are the JSON the endpoints return
 * (README, "The console's endpoints").
 */

/** Sums the days' transition counts into one list, largest first. */
export function sumTransitions(byDay: ReadonlyMap<number, readonly TransitionCount[]>): TransitionCount[] {
  const sums = new Map<string, TransitionCount>();
  for (const counts of byDay.values()) {
    for (const t of counts) {
      const key = `${t.dimension}\u0000${t.from ?? ''}\u0000${t.to}`;
      const sum = sums.get(key);
      if (sum) sum.count += t.count;
      else sums.set(key, { ...t });
    }
  }
  return [...sums.values()].filter((t) => t.count !== 0)
    .sort((a, b) => b.count - a.count || a.dimension.localeCompare(b.dimension) || (a.from ?? '').localeCompare(b.from ?? '') || a.to.localeCompare(b.to));
}

/**
 * Each segment's size at the end of each day fromDay..toDay, from today's counts (as of the end
 * of toDay) going back through the days' net flows: the size at the end of day d − 1 is the size
 * at the end of day d minus what flowed in on day d plus what flowed out. Exact as long as the
 * counts and the transitions come from the same atomic steps (they do) and the days are kept.
 */
export function segmentSizesByDay(
  current: SegmentCounts, byDay: ReadonlyMap<number, readonly TransitionCount[]>, fromDay: number, toDay: number,
): { days: number[]; dimensions: Record<Dimension, Record<string, number[]>> } {
  const days = Array.from({ length: toDay - fromDay + 1 }, (_, i) => fromDay + i);
  const size = Object.fromEntries(DIMENSIONS.map((d) => [d, { ...current[d] }])) as Record<Dimension, Record<string, number>>;
  const series = Object.fromEntries(DIMENSIONS.map((d) => [d, Object.fromEntries(Object.keys(current[d]).map((v) => [v, new Array<number>(days.length).fill(0)]))])) as Record<Dimension, Record<string, number[]>>;
  for (let i = days.length - 1; i >= 0; i--) {
    for (const d of DIMENSIONS) for (const [value, n] of Object.entries(size[d])) if (series[d][value]) series[d][value]![i] = n;
    for (const t of byDay.get(days[i]!) ?? []) {
      const sizes = size[t.dimension as Dimension];
      if (sizes === undefined) continue;
      sizes[t.to] = (sizes[t.to] ?? 0) - t.count;
      if (t.from !== null) sizes[t.from] = (sizes[t.from] ?? 0) + t.count;
    }
  }
  return { days, dimensions: series };
}

export interface Histogram {
  /** bins.length + 1 edges; the last bin holds everything from its lower edge up */
  edges: number[];
  counts: number[];
}

/** Ten equal bins over [0, 1]. */
export function probabilityHistogram(values: readonly number[]): Histogram {
  const edges = Array.from({ length: 11 }, (_, i) => i / 10);
  const counts = new Array<number>(10).fill(0);
  for (const v of values) counts[Math.min(9, Math.max(0, Math.floor(v * 10)))]!++;
  return { edges, counts };
}

/** Ten equal bins from 0 to a round number at or above the 95th percentile; the last bin is open-ended. */
export function valueHistogram(values: readonly number[]): Histogram {
  const sorted = [...values].sort((a, b) => a - b);
  const p95 = sorted.length === 0 ? 1 : sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))]!;
  const top = roundUp(Math.max(p95, 1)); // at least one currency unit wide
  const edges = Array.from({ length: 11 }, (_, i) => (top * i) / 10);
  const counts = new Array<number>(10).fill(0);
  for (const v of values) counts[Math.min(9, Math.max(0, Math.floor((v / top) * 10)))]!++;
  return { edges, counts };
}

/** 1, 2 or 5 times a power of ten, at or above x. */
function roundUp(x: number): number {
  const power = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= x)!;
}

export interface Quadrant {
  customers: number;
  meanClv: number | null;
  totalClv: number | null;
}

/**
 * The relationship matrix's quadrants: customers from the segment counts, mean CLV over the
 * sampled customers in the segment, and its estimate for the whole segment (mean × customers).
 */
export function relationshipQuadrants(
  counts: Record<string, number>, sample: ReadonlyArray<{ relationship: string | null; clv: number | null }>,
): Record<string, Quadrant> {
  return Object.fromEntries(RELATIONSHIP_SEGMENTS.map((segment) => {
    const values = sample.filter((s) => s.relationship === segment && s.clv !== null).map((s) => s.clv!);
    const customers = counts[segment] ?? 0;
    const meanClv = values.length === 0 ? null : round2(values.reduce((a, b) => a + b, 0) / values.length);
    return [segment, { customers, meanClv, totalClv: meanClv === null ? null : round2(meanClv * customers) }];
  }));
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
