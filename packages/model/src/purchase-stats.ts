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

/**
 * The customer's cells of the lifetime model, counted per tenant so that a refit reads cells,
 * not customers: the purchase cell `b:<x>:<tx>:<first purchase day>` (BG/NBD; T follows from
 * the fit's time) and, for a repeat buyer, the spend cell `g:<x>:<level>` (Gamma-Gamma), the
 * mean repeat spend on a log scale of 0.1 % steps (level = round(1000 · ln(cents))): close
 * spends share a cell, and a spend read back from its level is within 0.05 % of the true one.
 * Time-independent: only an event moves a customer between cells. '' for none.
 */
export function lifetimeCells(state: CustomerState | null): [purchase: string, spend: string] {
  const days = state?.purchaseDays ?? [];
  const first = days[0];
  if (state === null || first === undefined) return ['', ''];
  const x = days.length - 1;
  const purchase = `b:${x}:${days[x]! - first}:${first}`;
  const repeatCents = state.lifetime.placedCents - state.lifetime.firstDayPlacedCents;
  return [purchase, x > 0 && repeatCents > 0 ? `g:${x}:${spendLevel(repeatCents / x)}` : ''];
}

/** The spend cell level of a mean repeat spend in cents, and back (major units). */
export const spendLevel = (meanCents: number): number => Math.round(1_000 * Math.log(meanCents));
export const spendOfLevel = (level: number): number => Math.exp(level / 1_000) / 100;
