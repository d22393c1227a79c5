import { countPastSticky } from './hysteresis.js';
import type { Policy } from './policy.js';
import type { RfmSegment, Thresholds } from './types.js';
import { toCents } from './units.js';

export interface RfmInputs {
  nowDay: number;
  lastPurchaseDay: number;
  recencyDays: number;
  /** window orders */
  frequency: number;
  /** window net revenue, cents */
  monetaryCents: number;
}

/**
 * R, F, M in 1..5. With a trusted population snapshot (enough purchasing customers, cuts
 * present) the tenant's quintiles apply; R compares the last purchase *day* with the quintiles
 * of the population's last purchase days, so the snapshot does not age as days pass.
 * Otherwise the policy's absolute cuts apply (recency: fewer days is better).
 */
export function rfmScores(
  x: RfmInputs,
  thresholds: Thresholds | null,
  policy: Policy,
  current: readonly [number, number, number] | null = null,
): [number, number, number] {
  // A score s means s − 1 cuts are strictly past (for absolute recency: 5 − s cuts, fewer days
  // being better); with a hysteresis margin the current scores make their cuts sticky.
  const past = (score: number | undefined): number | null => (score === undefined ? null : score - 1);
  const [r, f, m] = current ?? [];
  if (rfmQuantilesTrusted(thresholds, policy)) {
    const { lastPurchaseDayCuts, frequencyCuts, monetaryCutsCents } = thresholds;
    return [
      1 + countPastSticky(lastPurchaseDayCuts, x.lastPurchaseDay, past(r), policy, true, (cut) => Math.abs(x.nowDay - cut)),
      1 + countPastSticky(frequencyCuts, x.frequency, past(f), policy, true),
      1 + countPastSticky(monetaryCutsCents, x.monetaryCents, past(m), policy, true),
    ];
  }
  const cuts = policy.rfm.absoluteCuts;
  return [
    5 - countPastSticky(cuts.recencyDays, x.recencyDays, r === undefined ? null : 5 - r, policy, true),
    1 + countPastSticky(cuts.frequency, x.frequency, past(f), policy, true),
    // compared in cents so that a policy cut like 0.29 is exact
    1 + countPastSticky(cuts.monetary.map(toCents), x.monetaryCents, past(m), policy, true),
  ];
}

/** Whether the tenant's quintiles apply (enough purchasing customers, cuts present). */
export function rfmQuantilesTrusted(
  thresholds: Thresholds | null,
  policy: Policy,
): thresholds is Thresholds & { lastPurchaseDayCuts: number[]; frequencyCuts: number[]; monetaryCutsCents: number[] } {
  return (
    thresholds !== null &&
    thresholds.purchasingCustomers >= policy.rfm.minPopulation &&
    thresholds.lastPurchaseDayCuts !== null &&
    thresholds.frequencyCuts !== null &&
    thresholds.monetaryCutsCents !== null
  );
}

/**
 * The common R×F grid of DESIGN section 1 (M does not place a customer in the grid, it is
 * published with the scores):
 *
 *        F1              F2                  F3                  F4          F5
 *   R5   new             potential_loyalist  potential_loyalist  champions   champions
 *   R4   promising       potential_loyalist  potential_loyalist  loyal       loyal
 *   R3   about_to_sleep  about_to_sleep      need_attention      loyal       loyal
 *   R1-2 hibernating     hibernating         at_risk             at_risk     cannot_lose
 */
export function rfmSegment(r: number, f: number): RfmSegment {
  if (r <= 2) return f <= 2 ? 'hibernating' : f <= 4 ? 'at_risk' : 'cannot_lose';
  if (r === 3) return f <= 2 ? 'about_to_sleep' : f === 3 ? 'need_attention' : 'loyal';
  if (f >= 4) return r === 4 ? 'loyal' : 'champions';
  if (f >= 2) return 'potential_loyalist';
  return r === 4 ? 'promising' : 'new';
}
