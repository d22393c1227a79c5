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
