import type { Policy } from './policy.js';
import { rfmQuantilesTrusted } from './rfm.js';
import { medianProfitTrusted, pyramidRanksTrusted } from './segments.js';
import type { Thresholds } from './types.js';
import { utcDay } from './units.js';

/** A tenant's population as the indexes hold it: unsorted values, one per customer. */
export interface PopulationSample {
  /** UTC day of the last purchase, one per purchasing customer */
  lastPurchaseDays: number[];
  /** window orders, one per purchasing customer */
  frequencies: number[];
  /** window net revenue in cents, one per purchasing customer */
  monetaryCents: number[];
  /** window profit in cents, one per active customer (order in the window) */
  activeProfitsCents: number[];
}

/**
 * Nearest rank (1-based) of the p quantile among n values: ceil(p·n), so q(p) = sorted[rank − 1],
 * always an observed value (cuts are compared with "strictly greater", so ties stay together).
 * p·n is rounded to 9 decimals before the ceiling: (1 − 0.01 − 0.04)·100 is 95.00000000000001
 * in floating point and must give rank 95, not 96.
 */
function nearestRank(n: number, p: number): number {
  return Math.min(n, Math.max(1, Math.ceil(Math.round(p * n * 1e9) / 1e9)));
}

/**
 * How many customers each population index holds (recency, frequency and monetary: those with a
 * purchase; profit: those with an order in the window). With the values at a few ranks, all a
 * snapshot needs.
 */
export type PopulationCounts = Record<BandIndex, number>;

/** Ascending ranks (1-based) to read from each population index. */
export type ThresholdRanks = Record<BandIndex, number[]>;

const QUINTILES = [0.2, 0.4, 0.6, 0.8];

function profitShares(policy: Policy): number[] {
  const { topShare, bigShare, mediumShare } = policy.pyramid;
  // median, then the top, big and medium tiers' lower cuts
  return [0.5, 1 - topShare, 1 - topShare - bigShare, 1 - topShare - bigShare - mediumShare];
}

/**
 * The ranks a snapshot reads from each index for these counts: the 20/40/60/80 % quintiles of
 * the purchasing customers' recency, frequency and monetary value, and the median and pyramid
 * cuts of the active customers' profit. A refresh reads only these values (selected by rank in
 * the sorted indexes), never the whole population.
 */
export function thresholdRanks(counts: PopulationCounts, policy: Policy): ThresholdRanks {
  const ranks = (n: number, shares: number[]) => (n > 0 ? shares.map((p) => nearestRank(n, p)) : []);
  return {
    recency: ranks(counts.recency, QUINTILES),
    frequency: ranks(counts.frequency, QUINTILES),
    monetary: ranks(counts.monetary, QUINTILES),
    profit: ranks(counts.profit, profitShares(policy)),
  };
}

/** The value at a rank (1-based, ascending) of an index, for the ranks thresholdRanks asked for. */
export type ValueAtRank = (index: BandIndex, rank: number) => number;

/**
 * The tenant's population cut points from the index sizes and the values at the ranks
 * thresholdRanks names. Whether they are trusted (enough customers) is decided at evaluation
 * time against the policy, so a snapshot is always computed in full.
 */
export function thresholdsFromRanks(counts: PopulationCounts, valueAt: ValueAtRank, policy: Policy, version: number, nowMs: number): Thresholds {
  const ranks = thresholdRanks(counts, policy);
  const cuts = (index: BandIndex) => (ranks[index].length > 0 ? ranks[index].map((rank) => valueAt(index, rank)) : null);
  const profit = cuts('profit');
  return {
    version,
    computedAtMs: nowMs,
    activeCustomers: counts.profit,
    purchasingCustomers: counts.recency,
    lastPurchaseDayCuts: cuts('recency'),
    frequencyCuts: cuts('frequency'),
    monetaryCutsCents: cuts('monetary'),
    medianProfitCents: profit ? (profit[0] as number) : null,
    pyramidProfitCutsCents: profit ? { top: profit[1] as number, big: profit[2] as number, medium: profit[3] as number } : null,
  };
}

const ascending = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

/** The same snapshot from the whole population (tests and tools: the reference the rank path must equal). */
export function computeThresholds(population: PopulationSample, policy: Policy, version: number, nowMs: number): Thresholds {
  const sorted: Record<BandIndex, number[]> = {
    recency: ascending(population.lastPurchaseDays),
    frequency: ascending(population.frequencies),
    monetary: ascending(population.monetaryCents),
    profit: ascending(population.activeProfitsCents),
  };
  const counts = { recency: sorted.recency.length, frequency: sorted.frequency.length, monetary: sorted.monetary.length, profit: sorted.profit.length };
  return thresholdsFromRanks(counts, (index, rank) => sorted[index][rank - 1] as number, policy, version, nowMs);
}

/** The population index a cut point is compared with. */
export type BandIndex = 'recency' | 'frequency' | 'monetary' | 'profit';

/** Index values (inclusive) between an old and a new cut: the only customers a move can re-segment. */
export interface MovedBand {
  index: BandIndex;
  min: number;
  max: number;
}

/**
 * Which customers a new snapshot can move: `all` when a rule switches between the policy's
 * absolute cuts and the tenant's own (population crossing minPopulation), else the bands
 * between every cut point's old and new value, widened by the hysteresis margin (a customer
 * just outside the raw band may sit on a sticky cut). A thresholds refresh re-scores only the
 * customers whose index value lies in a band.
 */
export function movedCutBands(previous: Thresholds | null, next: Thresholds, policy: Policy): 'all' | MovedBand[] {
  const trust = (t: Thresholds | null) => [medianProfitTrusted(t, policy), pyramidRanksTrusted(t, policy), rfmQuantilesTrusted(t, policy)];
  const before = trust(previous);
  const after = trust(next);
  if (before.some((b, i) => b !== after[i])) return 'all';
  const [median, pyramid, rfm] = after as [boolean, boolean, boolean];
  const bands: MovedBand[] = [];
  const m = policy.hysteresis.margin;
  const add = (index: BandIndex, from: number | undefined, to: number | undefined, scale = Math.max(Math.abs(from ?? 0), Math.abs(to ?? 0))) => {
    if (from === undefined || to === undefined || from === to) return;
    bands.push({ index, min: Math.min(from, to) - m * scale, max: Math.max(from, to) + m * scale });
  };
  if (previous === null) return bands; // no snapshot before, none trusted now: absolute cuts both times
  if (median) add('profit', previous.medianProfitCents ?? undefined, next.medianProfitCents ?? undefined);
  if (pyramid) {
    for (const tier of ['medium', 'big', 'top'] as const) {
      add('profit', previous.pyramidProfitCutsCents?.[tier], next.pyramidProfitCutsCents?.[tier]);
    }
  }
  if (rfm) {
    const nowDay = utcDay(next.computedAtMs);
    for (let i = 0; i < 4; i++) {
      const from = previous.lastPurchaseDayCuts?.[i];
      const to = next.lastPurchaseDayCuts?.[i];
      // R's margin is a fraction of the cut's recency (see rfmScores)
      add('recency', from, to, Math.max(Math.abs(nowDay - (from ?? nowDay)), Math.abs(nowDay - (to ?? nowDay))));
      add('frequency', previous.frequencyCuts?.[i], next.frequencyCuts?.[i]);
      add('monetary', previous.monetaryCutsCents?.[i], next.monetaryCutsCents?.[i]);
    }
  }
  return bands;
}
