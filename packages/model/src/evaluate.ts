import { loyaltyScore } from './loyalty.js';
import { modelLoyaltyAt } from './loyalty-model.js';
import type { Policy } from './policy.js';
import { predict, type LifetimeModel } from './prediction.js';
import { rfmScores, rfmSegment } from './rfm.js';
import { pyramidSegment, relationshipSegment } from './segments.js';
import type { CustomerState, Evaluation, Thresholds, WindowTotals } from './types.js';
import { fromCents, round4, utcDay } from './units.js';
import { sumWindow } from './window.js';

/**
 * Everything derived from a state at `nowMs`: window totals, scores, the segment of each
 * dimension and the values for the population indexes. Deterministic; `thresholds` is the
 * tenant's population snapshot (null: the policy's absolute cuts apply), `model` its fitted
 * lifetime model (null: no prediction, `pAlive` and `clv` null). With a hysteresis
 * margin the stored segments and R/F/M scores make the cut points sticky (see hysteresis.ts).
 */
export function evaluate(
  state: CustomerState,
  nowMs: number,
  thresholds: Thresholds | null,
  policy: Policy,
  model: LifetimeModel | null = null,
  /** false: no CLV (null), for evaluations whose scores nobody reads (see planWrite) */
  withClv = true,
): Evaluation {
  const nowDay = utcDay(nowMs);
  const sums = sumWindow(state, nowMs, policy);
  // A cancellation can be booked in the window while its order fell out of it (or arrive
  // before it): the window then holds a negative count, which means "nothing", not less.
  const orders = Math.max(0, sums.orders);
  const monetaryCents = Math.max(0, sums.revenueCents - sums.refundsCents);
  // The customer's contribution: margin, minus margin given back, returns handling and the
  // cost to serve. May be negative.
  const profitCents = sums.marginCents - sums.refundMarginCents - sums.handlingCostCents - sums.contactCostCents;

  const window: WindowTotals = {
    days: policy.windowDays,
    orders,
    monetary: fromCents(monetaryCents),
    grossMargin: fromCents(sums.marginCents),
    refunds: fromCents(sums.refundsCents),
    contacts: sums.contacts,
    contactCost: fromCents(sums.contactCostCents),
    profit: fromCents(profitCents),
    satisfaction: sums.satisfactionCount > 0 ? round4(sums.satisfactionTenthsSum / sums.satisfactionCount / 10) : null,
  };

  const lastPurchaseDay = state.lastPurchaseAtMs === null ? null : utcDay(state.lastPurchaseAtMs);
  // Clamped: an event slightly in the future must not give a negative recency.
  const recencyDays = lastPurchaseDay === null ? null : Math.max(0, nowDay - lastPurchaseDay);
  // With a fitted model, loyalty is the model's (P(alive) × the relationship's length).
  const loyalty = model === null ? loyaltyScore(state.purchaseDays, recencyDays, nowDay, policy) : modelLoyaltyAt(state, nowMs, model, policy);
  const rfm =
    lastPurchaseDay === null || recencyDays === null
      ? null
      : rfmScores({ nowDay, lastPurchaseDay, recencyDays, frequency: orders, monetaryCents }, thresholds, policy, state.rfmScores);

  const purchased = lastPurchaseDay !== null;
  const prediction = model === null ? null : predict(state, nowMs, model, policy, { clv: withClv });
  return {
    prediction,
    scores: {
      recencyDays,
      frequency: orders,
      monetary: window.monetary,
      profit: window.profit,
      loyalty,
      r: rfm ? rfm[0] : null,
      f: rfm ? rfm[1] : null,
      m: rfm ? rfm[2] : null,
      pAlive: prediction?.pAlive ?? null,
      clv: prediction?.clv?.value ?? null,
    },
    window,
    segments: {
      relationship: relationshipSegment(profitCents, loyalty, thresholds, policy, state.segments.relationship?.value ?? null),
      pyramid: pyramidSegment(purchased, orders, profitCents, thresholds, policy, state.segments.pyramid?.value ?? null),
      rfm: rfm ? rfmSegment(rfm[0], rfm[1]) : null,
    },
    index: {
      lastPurchaseDay,
      frequency: purchased ? orders : null,
      monetaryCents: purchased ? monetaryCents : null,
      profitCents: orders > 0 ? profitCents : null,
    },
  };
}
