import { evaluate } from './evaluate.js';
import type { Policy } from './policy.js';
import type { LifetimeModel, Prediction } from './prediction.js';
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
  /** null while the tenant has no fitted lifetime model */
  prediction: Prediction | null;
}

/**
 * The profile at `nowMs` (the service's evaluation clock: wall time, or the tenant's watermark
 * with CRM_CLOCK=event), never earlier than the last evaluation: window totals, recency,
 * loyalty and profit are recomputed from the aggregates then, so two runs that reached the same
 * state give the same profile whenever each customer was last written. R/F/M and the segments
 * are the stored ones: they depend on the population snapshot, and the clock and the
 * thresholds refresh keep them current. Null for a state that was never evaluated.
 */
export function toProfile(
  tenantId: string,
  customerId: string,
  state: CustomerState,
  policy: Policy,
  nowMs: number | null = null,
  model: LifetimeModel | null = null,
): CustomerProfile | null {
  if (state.evaluatedAtMs === null) return null;
  const e = evaluate(state, Math.max(nowMs ?? state.evaluatedAtMs, state.evaluatedAtMs), null, policy, model);
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
      pAlive: e.scores.pAlive,
      clv: e.scores.clv,
    },
    segments,
    prediction: e.prediction,
  };
}
