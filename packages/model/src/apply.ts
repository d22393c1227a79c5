import type { Policy } from './policy.js';
import { cloneState, emptyBucket, isZeroBucket } from './state.js';
import type { CustomerState, DayBucket, InteractionEvent, ModelEvent, OrderEvent } from './types.js';
import { roundCents, toCents, utcDay } from './units.js';
import { firstWindowDay, pruneInPlace } from './window.js';

/**
 * Applies events, then prunes the window at `nowMs`. Pure: works on a copy.
 *
 * - Events are deduplicated by eventId within `events` (first occurrence wins); dedupe across
 *   calls is the caller's job (Redis). `appliedEvents` grows by the number of distinct events.
 * - Every update is a sum of integers (or a min/max, or a set insertion), so any permutation
 *   of the same events, in any batching, gives the same state.
 * - Events on a day that has already left the window at `nowMs` update the lifetime totals only.
 *
 * Throws an Error naming the event for an event the scorer should have rejected (non-integer
 * cents, unknown channel, ...): better to dead-letter it than to store NaN.
 */
export function applyEvents(
  state: CustomerState,
  events: readonly ModelEvent[],
  nowMs: number,
  policy: Policy,
): CustomerState {
  const next = cloneState(state);
  const fromDay = firstWindowDay(nowMs, policy);
  const seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    applyOne(next, event, fromDay, policy);
  }
  next.appliedEvents += seen.size;
  pruneInPlace(next, fromDay);
  return next;
}

function applyOne(s: CustomerState, e: ModelEvent, fromDay: number, policy: Policy): void {
  checkEvent(e, policy);
  s.lastEventAtMs = s.lastEventAtMs === null ? e.occurredAtMs : Math.max(s.lastEventAtMs, e.occurredAtMs);
  const day = utcDay(e.occurredAtMs);
  // null: the day is older than the window, only lifetime totals change.
  const bucket = day >= fromDay ? (s.window[day] ??= emptyBucket()) : null;
  switch (e.type) {
    case 'order.placed':
      applyOrder(s, bucket, e, +1, policy);
      notePlaced(s, day, e.amountCents);
      insertSorted(s.purchaseDays, day);
      s.firstPurchaseAtMs = s.firstPurchaseAtMs === null ? e.occurredAtMs : Math.min(s.firstPurchaseAtMs, e.occurredAtMs);
      s.lastPurchaseAtMs = s.lastPurchaseAtMs === null ? e.occurredAtMs : Math.max(s.lastPurchaseAtMs, e.occurredAtMs);
      break;
    case 'order.cancelled':
      // The exact negation of a placed order, booked on the cancellation's own day: the sums
      // commute, so a cancellation may arrive before its order, and it needs no reference to the
      // original order (the Online Retail data has none). Purchase days and first/last purchase
      // are kept: the customer did come to buy that day.
      applyOrder(s, bucket, e, -1, policy);
      break;
    case 'order.refunded': {
      // A partial or full refund: revenue and margin go back, and handling the return costs.
      const { marginCents } = costAndMargin(e, policy);
      s.lifetime.refundsCents += e.amountCents;
      s.lifetime.revenueCents -= e.amountCents;
      s.lifetime.grossMarginCents -= marginCents;
      if (bucket) {
        bucket.refundsCents += e.amountCents;
        bucket.refundMarginCents += marginCents;
        bucket.handlingCostCents += toCents(policy.returnHandlingCost);
      }
      break;
    }
    case 'interaction':
      applyInteraction(s, bucket, e, policy);
      break;
    default:
      throw new Error(`unknown event type: ${(e as { type: unknown }).type}`);
  }
  if (bucket && isZeroBucket(bucket)) delete s.window[day];
}

/** `sign` +1 books an order, -1 undoes one (cancellation). */
function applyOrder(s: CustomerState, bucket: DayBucket | null, e: OrderEvent, sign: 1 | -1, policy: Policy): void {
  const { costCents, marginCents } = costAndMargin(e, policy);
  s.lifetime.orders += sign;
  s.lifetime.revenueCents += sign * e.amountCents;
  s.lifetime.costCents += sign * costCents;
  s.lifetime.grossMarginCents += sign * marginCents;
  if (bucket) {
    bucket.orders += sign;
    bucket.revenueCents += sign * e.amountCents;
    bucket.marginCents += sign * marginCents;
  }
}

/**
 * Placed value in all and on the first purchase day (before `day` joins the purchase days): an
 * order on an earlier day than any seen starts the first day's sum again, so any arrival order
 * gives the sum of the earliest day's orders.
 */
function notePlaced(s: CustomerState, day: number, amountCents: number): void {
  s.lifetime.placedCents += amountCents;
  const firstDay = s.purchaseDays[0];
  if (firstDay === undefined || day < firstDay) s.lifetime.firstDayPlacedCents = amountCents;
  else if (day === firstDay) s.lifetime.firstDayPlacedCents += amountCents;
}

/** margin = amount − cost; without a cost the policy's default margin rate applies. */
function costAndMargin(e: OrderEvent, policy: Policy): { costCents: number; marginCents: number } {
  if (e.costCents !== undefined) return { costCents: e.costCents, marginCents: e.amountCents - e.costCents };
  const marginCents = roundCents(e.amountCents * policy.defaultMarginRate);
  return { costCents: e.amountCents - marginCents, marginCents };
}

function applyInteraction(s: CustomerState, bucket: DayBucket | null, e: InteractionEvent, policy: Policy): void {
  const channelCost = policy.channelCosts[e.channel] as number | undefined;
  if (e.costCents === undefined && channelCost === undefined) {
    throw new Error(`invalid event ${e.eventId}: unknown channel ${String(e.channel)}`);
  }
  const costCents = e.costCents ?? toCents(channelCost as number);
  s.lifetime.contacts += 1;
  s.lifetime.contactCostCents += costCents;
  if (bucket) {
    bucket.contacts += 1;
    bucket.contactCostCents += costCents;
    if (e.satisfaction !== undefined) {
      // Tenths keep the sum an exact integer for satisfaction given with one decimal.
      bucket.satisfactionTenthsSum += Math.round(e.satisfaction * 10);
      bucket.satisfactionCount += 1;
    }
  }
}

/**
 * Why the model cannot apply an event, or null when it can. The scorer dead-letters such events
 * before applying, so an event that passed the wire schema can never make a batch fail forever.
 */
export function invalidEventReason(e: ModelEvent, policy: Policy): string | null {
  if (!Number.isSafeInteger(e.occurredAtMs)) return `occurredAtMs ${e.occurredAtMs} is not an integer`;
  if (e.costCents !== undefined && !(Number.isSafeInteger(e.costCents) && e.costCents >= 0)) {
    return `costCents ${e.costCents} is not a non-negative integer`;
  }
  if (e.type === 'interaction') {
    if (e.satisfaction !== undefined && !(e.satisfaction >= 0 && e.satisfaction <= 10)) {
      return `satisfaction ${e.satisfaction} is outside 0..10`;
    }
    if (e.costCents === undefined && (policy.channelCosts[e.channel] as number | undefined) === undefined) {
      return `unknown channel ${String(e.channel)}`;
    }
  } else if (!Number.isSafeInteger(e.amountCents) || e.amountCents < 0) {
    return `amountCents ${e.amountCents} is not a non-negative integer`;
  }
  return null;
}

function checkEvent(e: ModelEvent, policy: Policy): void {
  const reason = invalidEventReason(e, policy);
  if (reason !== null) throw new Error(`invalid event ${e.eventId}: ${reason}`);
}

/** Keeps `days` sorted and distinct (binary search; days mostly arrive at the end). */
function insertSorted(days: number[], day: number): void {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (days[mid]! < day) lo = mid + 1;
    else hi = mid;
  }
  if (days[lo] !== day) days.splice(lo, 0, day);
}
