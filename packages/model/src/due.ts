import { loyaltyCurve, loyaltyOn, type LoyaltyCurve } from './loyalty.js';
import { modelLoyaltyCrossingDay } from './loyalty-model.js';
import type { LifetimeModel } from './prediction.js';
import type { Policy } from './policy.js';
import { rfmQuantilesTrusted } from './rfm.js';
import type { CustomerState, Thresholds } from './types.js';
import { DAY_MS, utcDay } from './units.js';
import { firstWindowDay } from './window.js';

/** Never look further ahead than this for a loyalty crossing; the clock re-checks then. */
const MAX_LOYALTY_SCAN_DAYS = 4_000;

/**
 * The earliest time after `nowMs` at which the customer's segments or index values can change
 * without a new event, or null when only an event can change them. The clock re-evaluates the
 * customer then (a due-time index), so time moves customers without scanning the whole base.
 *
 * What time changes, at day granularity (evaluation counts in UTC days):
 * - a window day bucket expires (frequency, monetary, profit, pyramid → inactive);
 * - recency passes an absolute R cut (only while the tenant's quintiles are not trusted: the
 *   quintiles compare last purchase *days*, which do not age);
 * - loyalty crosses the loyal threshold (tenure grows, activity decays on the customer's own
 *   cadence; with a fitted lifetime `model`, P(alive) falls as time passes);
 * - a change held back by the minimum dwell may happen (`heldUntilMs`).
 * Cut points moved by a new thresholds snapshot are not time: the thresholds refresh re-scores
 * those customers. Scheduling early is harmless (the clock finds nothing and reschedules);
 * scheduling late would miss a change, which the model's property tests guard against.
 */
export function nextDueMs(
  state: CustomerState,
  nowMs: number,
  thresholds: Thresholds | null,
  policy: Policy,
  heldUntilMs: number | null = null,
  model: LifetimeModel | null = null,
): number | null {
  const nowDay = utcDay(nowMs);
  let dueDay = Infinity;
  const consider = (day: number): void => {
    if (day > nowDay && day < dueDay) dueDay = day;
  };

  // A bucket of day d is in the window while nowDay − windowDays < d.
  const fromDay = firstWindowDay(nowMs, policy);
  for (const key of Object.keys(state.window)) {
    const day = Number(key);
    if (day >= fromDay) consider(day + policy.windowDays);
  }

  if (state.lastPurchaseAtMs !== null) {
    const lastDay = utcDay(state.lastPurchaseAtMs);
    if (!rfmQuantilesTrusted(thresholds, policy)) {
      // R changes on the first day recency is strictly past a cut (or past it ± the margin).
      for (const cut of policy.rfm.absoluteCuts.recencyDays) {
        for (const c of withMargin(cut, policy)) consider(lastDay + Math.floor(c) + 1);
      }
    }
    const crossing = model === null
      ? loyaltyCrossingDay(state, nowDay, lastDay, policy)
      : modelLoyaltyCrossingDay(state, nowDay, model, policy, withMargin(policy.loyalty.loyalThreshold, policy), nowDay + MAX_LOYALTY_SCAN_DAYS);
    if (crossing !== null) consider(crossing);
  }

  let due = dueDay === Infinity ? null : dueDay * DAY_MS;
  if (heldUntilMs !== null && heldUntilMs > nowMs && (due === null || heldUntilMs < due)) due = heldUntilMs;
  return due;
}

/** A cut and, with a hysteresis margin, the two sticky versions of it. */
function withMargin(cut: number, policy: Policy): number[] {
  const m = policy.hysteresis.margin;
  return m === 0 ? [cut] : [cut * (1 - m), cut, cut * (1 + m)];
}

/**
 * The first day after nowDay on which loyalty lands on the other side of the loyal threshold
 * (or of its sticky versions) than today. Loyalty only moves with time while tenure grows or
 * activity decays, so the flat stretch in between is skipped and the scan ends once the
 * customer has lapsed with full tenure (loyalty 0 from then on).
 */
function loyaltyCrossingDay(state: CustomerState, nowDay: number, lastDay: number, policy: Policy): number | null {
  const days = state.purchaseDays;
  if (days.length < 2) return null;
  const { fullTenureDays, activeGapMultiple, lapsedGapMultiple } = policy.loyalty;
  const firstDay = days[0]!;
  const meanGap = (days[days.length - 1]! - firstDay) / (days.length - 1);
  const tenureFullDay = firstDay + Math.ceil(fullTenureDays);
  // Activity is 1 while recency / meanGap <= activeGapMultiple, 0 from lapsedGapMultiple on.
  const decayStartDay = lastDay + Math.floor(activeGapMultiple * meanGap) + 1;
  const lapsedDay = lastDay + Math.ceil(lapsedGapMultiple * meanGap);
  const thresholdsToWatch = withMargin(policy.loyalty.loyalThreshold, policy);
  const curve = loyaltyCurve(days, policy) as LoyaltyCurve; // two or more purchase days
  // Runs for every write and may scan hundreds of days: no closure or array per day.
  const loyaltyOnDay = (day: number): number => loyaltyOn(curve, Math.max(0, day - lastDay), day, policy);
  const today = loyaltyOnDay(nowDay);
  const sideToday = thresholdsToWatch.map((t) => today >= t);

  const lastDayToScan = Math.min(Math.max(tenureFullDay, lapsedDay), nowDay + MAX_LOYALTY_SCAN_DAYS);
  for (let day = nowDay + 1; day <= lastDayToScan; day++) {
    if (day >= tenureFullDay && day < decayStartDay) day = decayStartDay; // flat: full tenure, fully active
    const loyalty = loyaltyOnDay(day);
    for (let i = 0; i < thresholdsToWatch.length; i++) {
      if (loyalty >= (thresholdsToWatch[i] as number) !== sideToday[i]) return day;
    }
  }
  return lastDayToScan === nowDay + MAX_LOYALTY_SCAN_DAYS ? lastDayToScan : null;
}
