import type { Policy } from './policy.js';
import { BUCKET_FIELDS, cloneState, emptyBucket } from './state.js';
import type { CustomerState, DayBucket } from './types.js';
import { utcDay } from './units.js';

/**
 * The rolling window is exact to the day: at `nowMs` it holds the UTC days d with
 * nowDay - windowDays < d, i.e. the last `windowDays` days including today. Days after nowDay
 * (events slightly in the future, within the scorer's allowed clock skew) are inside too, so an
 * event never falls between two stools.
 */
export function firstWindowDay(nowMs: number, policy: Policy): number {
  return utcDay(nowMs) - policy.windowDays + 1;
}

/** Drops the buckets that have left the window at `nowMs`. Pure. */
export function pruneWindow(state: CustomerState, nowMs: number, policy: Policy): CustomerState {
  const next = cloneState(state);
  pruneInPlace(next, firstWindowDay(nowMs, policy));
  return next;
}

/** For callers that already own a fresh copy of the state. */
export function pruneInPlace(state: CustomerState, fromDay: number): void {
  for (const day of Object.keys(state.window)) {
    if (Number(day) < fromDay) delete state.window[Number(day)];
  }
}

/**
 * Sums the buckets inside the window at `nowMs`. Evaluation relies on this filter rather than
 * on pruning, so it is right even for a state that was not pruned at this `nowMs`.
 */
export function sumWindow(state: CustomerState, nowMs: number, policy: Policy): DayBucket {
  const fromDay = firstWindowDay(nowMs, policy);
  const sum = emptyBucket();
  for (const [day, bucket] of Object.entries(state.window)) {
    if (Number(day) < fromDay) continue;
    for (const f of BUCKET_FIELDS) sum[f] += bucket[f];
  }
  return sum;
}
