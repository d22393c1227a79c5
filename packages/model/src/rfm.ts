import type { Policy } from './policy.js';
import type { RfmSegment, Thresholds } from './types.js';
import { toCents } from './units.js';

export interface RfmInputs {
  lastPurchaseDay: number;
  recencyDays: number;
  /** window orders */
  frequency: number;
  /** window net revenue, cents */
  monetaryCents: number;
}

/** A score counts the cuts a value is *strictly* past: a value equal to a cut stays below it. */
function countPast(cuts: readonly number[], value: number): number {
  let n = 0;
  for (const c of cuts) if (value > c) n++;
  return n;
}

/**
 * R, F, M in 1..5. With a trusted population snapshot (enough purchasing customers, cuts
 * present) the tenant's quintiles apply; R compares the last purchase *day* with the quintiles
 * of the population's last purchase days, so the snapshot does not age as days pass.
 * Otherwise the policy's absolute cuts apply (recency: fewer days is better).
 */
export function rfmScores(x: RfmInputs, thresholds: Thresholds | null, policy: Policy): [number, number, number] {
  if (
    thresholds &&
    thresholds.purchasingCustomers >= policy.rfm.minPopulation &&
    thresholds.lastPurchaseDayCuts &&
    thresholds.frequencyCuts &&
    thresholds.monetaryCutsCents
  ) {
    return [
      1 + countPast(thresholds.lastPurchaseDayCuts, x.lastPurchaseDay),
      1 + countPast(thresholds.frequencyCuts, x.frequency),
      1 + countPast(thresholds.monetaryCutsCents, x.monetaryCents),
    ];
  }
  const cuts = policy.rfm.absoluteCuts;
  return [
    5 - countPast(cuts.recencyDays, x.recencyDays),
    1 + countPast(cuts.frequency, x.frequency),
    // compared in cents so that a policy cut like 0.29 is exact
    1 + countPast(cuts.monetary.map(toCents), x.monetaryCents),
  ];
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
