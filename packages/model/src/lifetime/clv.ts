/**
 * Customer lifetime value as the Python `lifetimes` library defines it
 * (`lifetimes.utils._customer_lifetime_value`, reached through
 * `GammaGammaFitter.customer_lifetime_value`): for months k = 1..H,
 *   (E[Y(k·m)] − E[Y((k−1)·m)]) × expected order value × margin rate / (1 + monthly discount)^k,
 * where m is one month in the model's time unit. lifetimes uses m = 30 for days (its `freq="D"`),
 * 4.345 for weeks, and discounts month k by exactly k periods (`i / factor`); we do the same.
 * lifetimes has no margin rate (it discounts revenue); DESIGN section 1 multiplies by the
 * customer's margin rate, which is a constant factor, so margin rate 1 reproduces lifetimes.
 */
import { expectedPurchases, type BgNbdParams } from './bgnbd.js';

/** one month in days, as lifetimes counts it */
export const DAYS_PER_MONTH = 30;

export interface ClvOptions {
  /** H, whole months (lifetimes' `time`) */
  horizonMonths: number;
  /** per month, ≥ 0 (lifetimes' `discount_rate`, default 0.01 there) */
  monthlyDiscountRate: number;
  /** share of an order's value that is margin, in [0, 1] */
  marginRate: number;
  /** length of a month in the model's time unit; default 30 (days) */
  unitsPerMonth?: number;
}

export interface CustomerHistory {
  x: number;
  tx: number;
  T: number;
}

export function customerLifetimeValue(
  params: BgNbdParams, customer: CustomerHistory, expectedOrderValue: number, options: ClvOptions,
): number {
  const { horizonMonths, monthlyDiscountRate, marginRate } = options;
  const month = options.unitsPerMonth ?? DAYS_PER_MONTH;
  if (!(Number.isInteger(horizonMonths) && horizonMonths >= 0)) throw new RangeError(`horizonMonths must be a whole number ≥ 0, got ${horizonMonths}`);
  if (!(Number.isFinite(monthlyDiscountRate) && monthlyDiscountRate >= 0)) throw new RangeError(`monthlyDiscountRate must be finite and ≥ 0, got ${monthlyDiscountRate}`);
  if (!(Number.isFinite(marginRate) && marginRate >= 0 && marginRate <= 1)) throw new RangeError(`marginRate must be in [0, 1], got ${marginRate}`);
  if (!(Number.isFinite(month) && month > 0)) throw new RangeError(`unitsPerMonth must be finite and > 0, got ${month}`);
  if (!(Number.isFinite(expectedOrderValue) && expectedOrderValue >= 0)) throw new RangeError(`expectedOrderValue must be finite and ≥ 0, got ${expectedOrderValue}`);
  const { x, tx, T } = customer;
  const value = expectedOrderValue * marginRate;
  let clv = 0;
  let previous = 0;
  for (let k = 1; k <= horizonMonths; k++) {
    const cumulative = expectedPurchases(params, x, tx, T, k * month);
    // E[Y(t)] is non-decreasing in t; once a month adds less than rounding, the difference of two
    // nearly equal numbers can come out a few ulps below zero. A negative month would be noise,
    // so it counts as zero.
    const inMonth = Math.max(0, cumulative - previous);
    previous = Math.max(previous, cumulative);
    clv += (inMonth * value) / (1 + monthlyDiscountRate) ** k;
  }
  return clv;
}
