import type { Policy } from './policy.js';
import { cloneState } from './state.js';
import {
  DIMENSIONS,
  type CustomerState,
  type Evaluation,
  type PyramidSegment,
  type RelationshipSegment,
  type SegmentChange,
  type Thresholds,
} from './types.js';
import { toCents } from './units.js';

/**
 * Reinartz & Kumar's loyalty × profitability matrix. Profitable = window profit at or above
 * the tenant's median profit of active customers; below relationship.minPopulation active
 * customers the median of a handful is noise, so the policy's absolute minProfit applies.
 */
export function relationshipSegment(
  profitCents: number,
  loyalty: number,
  thresholds: Thresholds | null,
  policy: Policy,
): RelationshipSegment {
  const cut =
    thresholds && thresholds.activeCustomers >= policy.relationship.minPopulation && thresholds.medianProfitCents !== null
      ? thresholds.medianProfitCents
      : toCents(policy.relationship.minProfit);
  const profitable = profitCents >= cut;
  const loyal = loyalty >= policy.loyalty.loyalThreshold;
  if (profitable) return loyal ? 'true_friend' : 'butterfly';
  return loyal ? 'barnacle' : 'stranger';
}

/**
 * The customer pyramid: never purchased → prospect; no (net) order in the window → inactive;
 * active customers by window profit against the tenant's top/big/medium cuts (absolute cuts
 * from the policy while the tenant is small). A cut is reached at equality.
 */
export function pyramidSegment(
  purchased: boolean,
  windowOrders: number,
  profitCents: number,
  thresholds: Thresholds | null,
  policy: Policy,
): PyramidSegment {
  if (!purchased) return 'prospect';
  if (windowOrders <= 0) return 'inactive';
  const abs = policy.pyramid.absoluteProfitCuts;
  const cuts =
    thresholds && thresholds.activeCustomers >= policy.relationship.minPopulation && thresholds.pyramidProfitCutsCents
      ? thresholds.pyramidProfitCutsCents
      : { top: toCents(abs.top), big: toCents(abs.big), medium: toCents(abs.medium) };
  if (profitCents >= cuts.top) return 'top';
  if (profitCents >= cuts.big) return 'big';
  if (profitCents >= cuts.medium) return 'medium';
  return 'small';
}

/**
 * Stores an evaluation: every dimension whose evaluated value differs from the stored one gets
 * the new value with sinceMs = atMs, and a change is returned for it (from = null for a first
 * assignment). A dimension evaluated to null (rfm of a customer who never purchased) is left
 * as stored. evaluatedAtMs and the R/F/M scores are recorded so that a profile can be rebuilt
 * later without the population snapshot of this moment. Pure.
 *
 * No hysteresis here: this is the plain "value differs" rule of DESIGN section 1.
 */
export function assignSegments(
  state: CustomerState,
  evaluation: Evaluation,
  atMs: number,
): { state: CustomerState; changes: SegmentChange[] } {
  const next = cloneState(state);
  const changes: SegmentChange[] = [];
  for (const dimension of DIMENSIONS) {
    const to = evaluation.segments[dimension];
    if (to === null) continue;
    const from = next.segments[dimension]?.value ?? null;
    if (from === to) continue;
    next.segments[dimension] = { value: to, sinceMs: atMs };
    changes.push({ dimension, from, to, atMs });
  }
  next.evaluatedAtMs = atMs;
  const { r, f, m } = evaluation.scores;
  next.rfmScores = r !== null && f !== null && m !== null ? [r, f, m] : null;
  return { state: next, changes };
}
