import { countPastSticky, stickyCut } from './hysteresis.js';
import type { Policy } from './policy.js';
import {
  DIMENSIONS,
  RELATIONSHIP_SEGMENTS,
  type CustomerState,
  type Evaluation,
  type PyramidSegment,
  type RelationshipSegment,
  type SegmentChange,
  type Thresholds,
} from './types.js';
import { DAY_MS, toCents } from './units.js';

/** Whether the tenant's median profit applies (else the policy's absolute minProfit). */
export function medianProfitTrusted(thresholds: Thresholds | null, policy: Policy): thresholds is Thresholds & { medianProfitCents: number } {
  return thresholds !== null && thresholds.activeCustomers >= policy.relationship.minPopulation && thresholds.medianProfitCents !== null;
}

/** Whether the tenant's profit ranks apply to the pyramid (else the policy's absolute cuts). */
export function pyramidRanksTrusted(
  thresholds: Thresholds | null,
  policy: Policy,
): thresholds is Thresholds & { pyramidProfitCutsCents: { medium: number; big: number; top: number } } {
  return thresholds !== null && thresholds.activeCustomers >= policy.relationship.minPopulation && thresholds.pyramidProfitCutsCents !== null;
}

const RELATIONSHIP_VALUES: ReadonlySet<string> = new Set(RELATIONSHIP_SEGMENTS);
const PROFITABLE: ReadonlySet<string> = new Set<RelationshipSegment>(['true_friend', 'butterfly']);
const LOYAL: ReadonlySet<string> = new Set<RelationshipSegment>(['true_friend', 'barnacle']);
/** Pyramid tiers of active customers, by how many profit cuts (medium, big, top) they are past. */
const TIERS: readonly PyramidSegment[] = ['small', 'medium', 'big', 'top'];

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
  current: string | null = null,
): RelationshipSegment {
  const cut = medianProfitTrusted(thresholds, policy) ? thresholds.medianProfitCents : toCents(policy.relationship.minProfit);
  const known = current !== null && RELATIONSHIP_VALUES.has(current);
  const profitable = profitCents >= stickyCut(cut, known ? PROFITABLE.has(current) : null, policy);
  const loyal = loyalty >= stickyCut(policy.loyalty.loyalThreshold, known ? LOYAL.has(current) : null, policy);
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
  current: string | null = null,
): PyramidSegment {
  if (!purchased) return 'prospect';
  if (windowOrders <= 0) return 'inactive';
  const abs = policy.pyramid.absoluteProfitCuts;
  const cuts = pyramidRanksTrusted(thresholds, policy)
    ? thresholds.pyramidProfitCutsCents
    : { top: toCents(abs.top), big: toCents(abs.big), medium: toCents(abs.medium) };
  // Only a tier of the active pyramid has cuts to stick to (not inactive or prospect).
  const tier = current === null ? -1 : TIERS.indexOf(current as PyramidSegment);
  return TIERS[countPastSticky([cuts.medium, cuts.big, cuts.top], profitCents, tier < 0 ? null : tier, policy, false)]!;
}

export interface Assignment {
  state: CustomerState;
  changes: SegmentChange[];
  /**
   * When a change held back by the minimum dwell may happen (the earliest, if several
   * dimensions wait); null when nothing is held. The clock re-evaluates the customer then.
   */
  heldUntilMs: number | null;
}

/**
 * Stores an evaluation: every dimension whose evaluated value differs from the stored one gets
 * the new value with sinceMs = atMs, and a change is returned for it (from = null for a first
 * assignment), unless the stored value is younger than policy.hysteresis.minDwellDays: then it
 * is kept and `heldUntilMs` says when it may change. A dimension evaluated to null (rfm of a
 * customer who never purchased) is left as stored. evaluatedAtMs and the R/F/M scores are
 * recorded so that a profile can be rebuilt later without the population snapshot of this
 * moment. Pure.
 */
export function assignSegments(state: CustomerState, evaluation: Evaluation, atMs: number, policy: Policy): Assignment {
  // Only the segments, the evaluation time and the scores change: the rest (window, lifetime,
  // purchase days) is shared with the input rather than copied; the model never mutates a
  // state it has returned, so sharing keeps every function pure.
  const next: CustomerState = { ...state, segments: { ...state.segments } };
  const changes: SegmentChange[] = [];
  const dwellMs = policy.hysteresis.minDwellDays * DAY_MS;
  let heldUntilMs: number | null = null;
  for (const dimension of DIMENSIONS) {
    const to = evaluation.segments[dimension];
    if (to === null) continue;
    const stored = next.segments[dimension];
    if (stored?.value === to) continue;
    if (stored && atMs < stored.sinceMs + dwellMs) {
      heldUntilMs = Math.min(heldUntilMs ?? Infinity, stored.sinceMs + dwellMs);
      continue;
    }
    next.segments[dimension] = { value: to, sinceMs: atMs };
    changes.push({ dimension, from: stored?.value ?? null, to, atMs });
  }
  next.evaluatedAtMs = atMs;
  const { r, f, m } = evaluation.scores;
  next.rfmScores = r !== null && f !== null && m !== null ? [r, f, m] : null;
  return { state: next, changes, heldUntilMs };
}
