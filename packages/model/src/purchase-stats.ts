import type { CustomerState } from './types.js';
import { fromCents, utcDay } from './units.js';

/**
 * A customer's sufficient statistics for the lifetime model (DESIGN section 1, "Predicted
 * value"), in days: x = repeat purchase days (distinct purchase days − 1), tx = days from the
 * first to the last purchase day, T = days from the first purchase day to `nowMs`'s day, and
 * the mean placed value of the repeat purchase days (Gamma-Gamma's z̄; null without a repeat
 * day). All lifetime, not windowed, and exact whatever order the events came in: they come from
 * the sorted purchase days and integer sums. Null for a customer who never purchased.
 */
export interface PurchaseStats {
  x: number;
  tx: number;
  T: number;
  /** major units */
  repeatSpendMean: number | null;
}

export function purchaseStats(state: CustomerState, nowMs: number): PurchaseStats | null {
  const days = state.purchaseDays;
  const first = days[0];
  if (first === undefined) return null;
  const x = days.length - 1;
  const tx = days[x]! - first;
  // The clock never goes before a purchase it has seen; clamp an event slightly ahead of it.
  const T = Math.max(tx, utcDay(nowMs) - first);
  const repeatCents = state.lifetime.placedCents - state.lifetime.firstDayPlacedCents;
  return { x, tx, T, repeatSpendMean: x > 0 ? fromCents(repeatCents) / x : null };
}
