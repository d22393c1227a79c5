import type { Policy } from './policy.js';
import type { Thresholds } from './types.js';

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
 * Quantile by nearest rank: q(p) = sorted[ceil(p·n) − 1]. Always an observed value (cuts are
 * compared with "strictly greater", so ties stay together). p·n is rounded to 9 decimals
 * before the ceiling: (1 − 0.01 − 0.04)·100 is 95.00000000000001 in floating point and must
 * give rank 95, not 96.
 */
function nearestRank(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  const rank = Math.ceil(Math.round(p * n * 1e9) / 1e9);
  return sorted[Math.min(n, Math.max(1, rank)) - 1]!;
}

function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The 20/40/60/80 % quantiles: four cuts make five score bands. Null for an empty sample. */
function quintileCuts(values: readonly number[]): number[] | null {
  if (values.length === 0) return null;
  const sorted = ascending(values);
  return [0.2, 0.4, 0.6, 0.8].map((p) => nearestRank(sorted, p));
}

/**
 * The tenant's population cut points. Whether they are trusted (enough customers) is decided
 * at evaluation time against the policy, so a snapshot is always computed in full.
 */
export function computeThresholds(population: PopulationSample, policy: Policy, version: number, nowMs: number): Thresholds {
  const profits = ascending(population.activeProfitsCents);
  const { topShare, bigShare, mediumShare } = policy.pyramid;
  return {
    version,
    computedAtMs: nowMs,
    activeCustomers: profits.length,
    purchasingCustomers: population.lastPurchaseDays.length,
    lastPurchaseDayCuts: quintileCuts(population.lastPurchaseDays),
    frequencyCuts: quintileCuts(population.frequencies),
    monetaryCutsCents: quintileCuts(population.monetaryCents),
    medianProfitCents: profits.length > 0 ? nearestRank(profits, 0.5) : null,
    pyramidProfitCutsCents:
      profits.length > 0
        ? {
            top: nearestRank(profits, 1 - topShare),
            big: nearestRank(profits, 1 - topShare - bigShare),
            medium: nearestRank(profits, 1 - topShare - bigShare - mediumShare),
          }
        : null,
  };
}
