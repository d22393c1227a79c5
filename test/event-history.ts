import { waitFor } from '@bondstream/testkit';
import type { Collected } from './harness.js';
import type { CdnowOrder } from './cdnow.js';

const DAY_MS = 86_400_000;
/** The pyramid tiers of customers with an order in the window (DESIGN section 1). */
export const ACTIVE_TIERS = new Set(['small', 'medium', 'big', 'top']);

export interface SegmentChangeOut {
  tenantId: string;
  customerId: string;
  dimension: 'relationship' | 'pyramid' | 'rfm';
  from: string | null;
  to: string;
  occurredAt: string;
  cause: { kind: string; eventId?: string };
}

/**
 * Customers whose last order is more than 365 days before the data's end: a replay in event
 * time must first place them in an active tier, then move them to inactive by the clock.
 */
export function longLapsed(orders: readonly CdnowOrder[]): Map<string, { lastOrder: string }> {
  const last = new Map<string, string>();
  let end = '';
  for (const o of orders) {
    if (o.date > (last.get(o.customerId) ?? '')) last.set(o.customerId, o.date);
    if (o.date > end) end = o.date;
  }
  const cutoff = new Date(Date.parse(`${end}T00:00:00Z`) - 365 * DAY_MS).toISOString().slice(0, 10);
  return new Map([...last].filter(([, date]) => date < cutoff).map(([id, date]) => [id, { lastOrder: date }]));
}

/** The pyramid changes per customer in the order the output topic carried them (one partition per customer). */
export function pyramidHistories(messages: readonly Collected[], tenantId = 'default'): Map<string, SegmentChangeOut[]> {
  const histories = new Map<string, SegmentChangeOut[]>();
  for (const m of messages) {
    const change = JSON.parse(m.value!.toString()) as SegmentChangeOut;
    if (change.dimension !== 'pyramid' || change.tenantId !== tenantId) continue;
    const history = histories.get(change.customerId);
    if (history) history.push(change);
    else histories.set(change.customerId, [change]);
  }
  return histories;
}

/**
 * What is wrong with a long-lapsed customer's pyramid history (null: nothing): it must start
 * with an assignment to an active tier, and reach inactive by the clock on or after the day its
 * last order leaves the 365-day window.
 */
export function lapsedHistoryProblem(history: readonly SegmentChangeOut[] | undefined, lastOrder: string): string | null {
  if (!history || history.length === 0) return 'no pyramid change at all';
  const first = history[0]!;
  if (first.from !== null || !ACTIVE_TIERS.has(first.to)) return `first change ${first.from} → ${first.to} (${first.cause.kind})`;
  const inactive = history.find((c) => c.to === 'inactive');
  if (!inactive) return 'never moved to inactive';
  if (inactive.cause.kind !== 'clock') return `moved to inactive by ${inactive.cause.kind}`;
  const expiry = new Date(Date.parse(`${lastOrder}T00:00:00Z`) + 365 * DAY_MS).toISOString().slice(0, 10);
  if (inactive.occurredAt.slice(0, 10) < expiry) return `moved to inactive on ${inactive.occurredAt}, before ${expiry}`;
  return null;
}

/**
 * Waits until every long-lapsed customer's pyramid history is complete on the output topic, or
 * one is wrong for good (a wrong first assignment never heals); returns what is wrong.
 */
export function waitForLapseHistories(
  messages: readonly Collected[], lapsed: ReadonlyMap<string, { lastOrder: string }>, timeoutMs: number,
): Promise<{ id: string; problem: string | null }[]> {
  return waitFor('every long-lapsed customer moved to inactive on the output topic', () => {
    const histories = pyramidHistories(messages);
    const wrong = [...lapsed].map(([id, { lastOrder }]) => ({ id, problem: lapsedHistoryProblem(histories.get(id), lastOrder) }))
      .filter((c) => c.problem !== null);
    const final = wrong.filter((c) => !/^never moved|^no pyramid/.test(c.problem!));
    return final.length > 0 || wrong.length === 0 ? wrong : undefined;
  }, { timeoutMs, intervalMs: 1_000 });
}
