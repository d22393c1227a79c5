import type { Policy } from './policy.js';

/**
 * Hysteresis margin (policy.hysteresis.margin): a cut point the customer is currently past is
 * moved back by margin × scale, one it is not past is moved forward, so a value hovering at the
 * cut keeps the customer where it is. `scale` is what the margin is a fraction of: the cut
 * itself for money and counts, the cut's recency in days for R on last purchase days.
 */
export function stickyCut(cut: number, currentlyPast: boolean | null, policy: Policy, scale = Math.abs(cut)): number {
  const margin = policy.hysteresis.margin;
  if (margin === 0 || currentlyPast === null) return cut;
  return currentlyPast ? cut - margin * scale : cut + margin * scale;
}

/**
 * How many of the ascending `cuts` the value is past (`strict`: value > cut, else value >= cut),
 * with each cut made sticky for a customer currently past `currentPast` of them (null: no
 * history, plain cuts).
 */
export function countPastSticky(
  cuts: readonly number[],
  value: number,
  currentPast: number | null,
  policy: Policy,
  strict: boolean,
  scaleOf: (cut: number) => number = Math.abs,
): number {
  let n = 0;
  for (let j = 0; j < cuts.length; j++) {
    const cut = cuts[j]!;
    const effective = stickyCut(cut, currentPast === null ? null : j < currentPast, policy, scaleOf(cut));
    if (strict ? value > effective : value >= effective) n++;
  }
  return n;
}
