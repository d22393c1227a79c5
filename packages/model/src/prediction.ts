import { customerLifetimeValue } from './lifetime/clv.js';
import { expectedPurchases, pAlive, type BgNbdParams } from './lifetime/bgnbd.js';
import { expectedOrderValue, type GammaGammaParams } from './lifetime/gammagamma.js';
import type { Policy } from './policy.js';
import { purchaseStats } from './purchase-stats.js';
import type { CustomerState } from './types.js';
import { round4 } from './units.js';

/** A tenant's fitted lifetime model as scoring needs it (the stored snapshot has more). */
export interface LifetimeModel {
  version: number;
  /** BG/NBD in days */
  bgnbd: BgNbdParams;
  /** null while no usable Gamma-Gamma fit exists (then no expected order value and no CLV) */
  gammaGamma: GammaGammaParams | null;
}

/** The profile's `prediction` (DESIGN section 3). Money in major units. */
export interface Prediction {
  pAlive: number;
  expectedPurchases: { days: number; value: number };
  expectedOrderValue: number | null;
  clv: { value: number; horizonMonths: number; monthlyDiscountRate: number } | null;
  modelVersion: number;
}

/**
 * A customer's prediction at `nowMs` (the tenant's evaluation time) under the tenant's model:
 * P(alive), expected purchase days over the policy's horizon, the expected value of a purchase
 * day (Gamma-Gamma; the population mean for a customer without a repeat day) and CLV, lifetimes'
 * discounted sum with the customer's own margin rate (lifetime gross margin over revenue; the
 * policy's default without revenue). Null for a customer who never purchased. `clv: false`
 * leaves CLV out (null).
 */
export function predict(
  state: CustomerState, nowMs: number, model: LifetimeModel, policy: Policy, options: { clv?: boolean } = {},
): Prediction | null {
  const stats = purchaseStats(state, nowMs);
  if (stats === null) return null;
  const { x, tx, T } = stats;
  const { horizonDays, clvHorizonMonths, monthlyDiscountRate } = policy.lifetime;
  const expected = expectedPurchases(model.bgnbd, x, tx, T, horizonDays);
  const orderValue = model.gammaGamma === null ? null : expectedOrderValue(model.gammaGamma, x, stats.repeatSpendMean ?? 0);
  const value = orderValue?.ok ? orderValue.value : null;
  return {
    pAlive: round4(pAlive(model.bgnbd, x, tx, T)),
    expectedPurchases: { days: horizonDays, value: round4(expected) },
    expectedOrderValue: value === null ? null : round4(value),
    // CLV sums a series per month: the costliest part, left out where nobody reads it.
    clv: value === null || options.clv === false ? null : {
      value: round4(customerLifetimeValue(model.bgnbd, { x, tx, T }, value, {
        horizonMonths: clvHorizonMonths, monthlyDiscountRate, marginRate: marginRateOf(state, policy),
      })),
      horizonMonths: clvHorizonMonths,
      monthlyDiscountRate,
    },
    modelVersion: model.version,
  };
}

/** The customer's own margin rate, within [0, 1]; the policy's default without revenue. */
function marginRateOf(state: CustomerState, policy: Policy): number {
  const { revenueCents, grossMarginCents } = state.lifetime;
  if (revenueCents <= 0) return policy.defaultMarginRate;
  return Math.min(1, Math.max(0, grossMarginCents / revenueCents));
}
