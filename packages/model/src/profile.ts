import { evaluate } from './evaluate.js';
import type { Policy } from './policy.js';
import { DIMENSIONS, type CustomerState, type Dimension, type Scores, type WindowTotals } from './types.js';
import { fromCents, isoOrNull } from './units.js';

/** The body of GET /v1/customers/{customerId} (DESIGN section 3), field for field. Money in major units. */
export interface CustomerProfile {
  tenantId: string;
  customerId: string;
  /** appliedEvents: the number of distinct events applied */
  stateVersion: number;
  firstPurchaseAt: string | null;
  lastPurchaseAt: string | null;
  lastEventAt: string | null;
  lifetime: {
    orders: number;
    revenue: number;
    grossMargin: number;
    refunds: number;
    contacts: number;
    contactCost: number;
  };
  /** the window totals without mean satisfaction, which DESIGN's profile does not show */
  window: Omit<WindowTotals, 'satisfaction'>;
  scores: Scores;
  segments: { [D in Dimension]: { value: string; since: string } | null };
}

/**
 * The profile as of the last evaluation: window and scores are recomputed from the aggregates
 * at state.evaluatedAtMs, so the profile agrees with the segments stored then; R/F/M come from
 * the stored rfmScores because they depended on the population snapshot of that moment.
 * Null for a state that was never evaluated.
 */
export function toProfile(tenantId: string, customerId: string, state: CustomerState, policy: Policy): CustomerProfile | null {
  if (state.evaluatedAtMs === null) return null;
  const e = evaluate(state, state.evaluatedAtMs, null, policy);
  const lt = state.lifetime;
  const [r, f, m] = state.rfmScores ?? [null, null, null];
  const segments = {} as CustomerProfile['segments'];
  for (const d of DIMENSIONS) {
    const a = state.segments[d];
    segments[d] = a === null ? null : { value: a.value, since: isoOrNull(a.sinceMs)! };
  }
  return {
    tenantId,
    customerId,
    stateVersion: state.appliedEvents,
    firstPurchaseAt: isoOrNull(state.firstPurchaseAtMs),
    lastPurchaseAt: isoOrNull(state.lastPurchaseAtMs),
    lastEventAt: isoOrNull(state.lastEventAtMs),
    lifetime: {
      orders: lt.orders,
      revenue: fromCents(lt.revenueCents),
      grossMargin: fromCents(lt.grossMarginCents),
      refunds: fromCents(lt.refundsCents),
      contacts: lt.contacts,
      contactCost: fromCents(lt.contactCostCents),
    },
    window: {
      days: e.window.days,
      orders: e.window.orders,
      monetary: e.window.monetary,
      grossMargin: e.window.grossMargin,
      refunds: e.window.refunds,
      contacts: e.window.contacts,
      contactCost: e.window.contactCost,
      profit: e.window.profit,
    },
    scores: {
      recencyDays: e.scores.recencyDays,
      frequency: e.scores.frequency,
      monetary: e.scores.monetary,
      profit: e.scores.profit,
      loyalty: e.scores.loyalty,
      r,
      f,
      m,
    },
    segments,
  };
}
