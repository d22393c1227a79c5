import { pAlive } from './lifetime/bgnbd.js';
import type { Policy } from './policy.js';
import type { LifetimeModel } from './prediction.js';
import { purchaseStats } from './purchase-stats.js';
import type { CustomerState } from './types.js';
import { round4 } from './units.js';

/**
 * Loyalty with a fitted lifetime model (DESIGN section 1): the BG/NBD P(alive) times the
 * relationship's length, because Reinartz & Kumar classify loyalty by lifetime duration:
 *
 *   loyalty = P(alive) × min(1, x / (minPurchaseDays − 1)) × min(1, t_x / fullTenureDays)
 *
 * x = repeat purchase days, t_x = days from the first to the last purchase. A one-time buyer
 * (x = 0, P(alive) = 1 by construction) and a burst of purchases in the first days (t_x small)
 * are not loyal; a long, repeated relationship is as loyal as it is likely to be alive. Only
 * P(alive) changes with time alone (it falls as T grows), so loyalty only ever falls between
 * purchases, and the clock finds the day it crosses the cut by bisection.
 */
export function modelLoyalty(model: LifetimeModel, x: number, tx: number, T: number, policy: Policy): number {
  const relationship = relationshipLength(x, tx, policy);
  return relationship === 0 ? 0 : round4(pAlive(model.bgnbd, x, tx, T) * relationship);
}

/**
 * Whether a lifetime model can move the customer's segments or due time at all: not for one who
 * bought on one day at most, whose loyalty is 0 with a model (x = 0) and without (repeat = 0), as
 * long as the policy asks for more than one purchase day. A model re-score skips such customers
 * (most of a typical base): their profile's prediction is computed when it is read.
 */
export function segmentsDependOnLifetimeModel(state: CustomerState, policy: Policy): boolean {
  return state.purchaseDays.length > 1 || policy.loyalty.minPurchaseDays <= 1;
}

/** The time-independent factor: repeat days and the span they cover, each capped at 1. */
function relationshipLength(x: number, tx: number, policy: Policy): number {
  const { minPurchaseDays, fullTenureDays } = policy.loyalty;
  const repeat = minPurchaseDays <= 1 ? 1 : Math.min(1, x / (minPurchaseDays - 1));
  const span = fullTenureDays <= 0 ? 1 : Math.min(1, tx / fullTenureDays);
  return repeat * span;
}

/** A customer's model loyalty at `nowMs` (0 for a customer who never purchased). */
export function modelLoyaltyAt(state: CustomerState, nowMs: number, model: LifetimeModel, policy: Policy): number {
  const stats = purchaseStats(state, nowMs);
  return stats === null ? 0 : modelLoyalty(model, stats.x, stats.tx, stats.T, policy);
}

/**
 * The first day after `nowDay` on which model loyalty falls below one of `thresholds` it is at
 * or above today, or null if none is ever crossed; `lastScanDay` when the crossing lies beyond
 * it (the clock looks again then). Loyalty is non-increasing in time, so bisection finds it.
 */
export function modelLoyaltyCrossingDay(
  state: CustomerState, nowDay: number, model: LifetimeModel, policy: Policy, thresholds: readonly number[], lastScanDay: number,
): number | null {
  const days = state.purchaseDays;
  const first = days[0];
  if (first === undefined || days.length < 2) return null;
  const x = days.length - 1;
  const tx = days[x]! - first;
  const on = (day: number): number => modelLoyalty(model, x, tx, Math.max(tx, day - first), policy);
  const today = on(nowDay);
  let due: number | null = null;
  for (const t of thresholds) {
    if (today < t) continue; // below already: time alone never brings it back up
    if (on(lastScanDay) >= t) {
      due = Math.min(due ?? lastScanDay, lastScanDay);
      continue;
    }
    let lo = nowDay; // on(lo) >= t
    let hi = lastScanDay; // on(hi) < t
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (on(mid) >= t) lo = mid;
      else hi = mid;
    }
    due = Math.min(due ?? hi, hi);
  }
  return due;
}
