import type { Policy } from './policy.js';
import { round4 } from './units.js';

/**
 * Loyalty in [0, 1]: the documented placeholder of DESIGN section 1 until a BG/NBD model is
 * fitted (then loyalty becomes P(alive)). It is the product of four factors, each in [0, 1]:
 *
 * - repeat = min(1, (n − 1) / (minPurchaseDays − 1)), n = distinct purchase days: a one-time
 *   buyer (n = 1) has no cadence at all and scores 0.
 * - consistency = 1 / (1 + cv), cv = population std-dev of the gaps between purchase days /
 *   mean gap; with a single gap (n = 2) there is no spread to judge, so a neutral 0.5.
 * - activity: recencyDays / meanGap up to activeGapMultiple is fully active (1), from
 *   lapsedGapMultiple on lapsed (0), linear in between: the customer's *own* cadence decides.
 * - tenure = min(1, days since the first purchase / fullTenureDays): a burst of purchases in
 *   the first weeks is not loyalty yet.
 *
 * The gap statistics are computed here from the sorted purchase days with exact integer sums
 * (the gaps telescope to last − first; Σ gap² is an integer) rather than kept online with
 * Welford: a late event can add a day that splits an existing gap, which an online accumulator
 * cannot absorb, and order independence is a guarantee.
 */
export function loyaltyScore(
  purchaseDays: readonly number[],
  recencyDays: number | null,
  nowDay: number,
  policy: Policy,
): number {
  if (recencyDays === null) return 0;
  const curve = loyaltyCurve(purchaseDays, policy);
  return curve === null ? 0 : loyaltyOn(curve, recencyDays, nowDay, policy);
}

/**
 * The part of loyalty that only a new purchase changes (repeat × consistency, the mean gap, the
 * first day); null for fewer than two purchase days (loyalty 0). The clock's scan for the day
 * loyalty crosses its threshold evaluates many days of one customer: it builds this once and
 * calls loyaltyOn per day, the same arithmetic as loyaltyScore.
 */
export interface LoyaltyCurve {
  repeatTimesConsistency: number;
  meanGap: number;
  firstDay: number;
}

export function loyaltyCurve(purchaseDays: readonly number[], policy: Policy): LoyaltyCurve | null {
  const n = purchaseDays.length;
  if (n < 2) return null;
  const { minPurchaseDays } = policy.loyalty;

  const repeat = minPurchaseDays <= 1 ? 1 : Math.min(1, (n - 1) / (minPurchaseDays - 1));

  const k = n - 1; // number of gaps
  const first = purchaseDays[0]!;
  const sumGaps = purchaseDays[n - 1]! - first; // > 0: days are distinct and sorted
  let sumSquares = 0;
  for (let i = 1; i < n; i++) {
    const gap = purchaseDays[i]! - purchaseDays[i - 1]!;
    sumSquares += gap * gap;
  }
  // std/mean = sqrt(k·Σg² − (Σg)²)/k ÷ (Σg/k) = sqrt(k·Σg² − (Σg)²)/Σg, an integer under the root.
  const cv = Math.sqrt(Math.max(0, k * sumSquares - sumGaps * sumGaps)) / sumGaps;
  const consistency = n >= 3 ? 1 / (1 + cv) : 0.5;
  return { repeatTimesConsistency: repeat * consistency, meanGap: sumGaps / k, firstDay: first };
}

/** Loyalty on a day, `recencyDays` after the last purchase, for a curve of loyaltyCurve. */
export function loyaltyOn(curve: LoyaltyCurve, recencyDays: number, nowDay: number, policy: Policy): number {
  const { fullTenureDays, activeGapMultiple, lapsedGapMultiple } = policy.loyalty;
  const ratio = recencyDays / curve.meanGap;
  let activity: number;
  if (ratio <= activeGapMultiple) activity = 1;
  else if (ratio >= lapsedGapMultiple) activity = 0;
  else activity = (lapsedGapMultiple - ratio) / (lapsedGapMultiple - activeGapMultiple);

  const tenure = fullTenureDays <= 0 ? 1 : Math.min(1, Math.max(0, (nowDay - curve.firstDay) / fullTenureDays));

  return round4(curve.repeatTimesConsistency * activity * tenure);
}
