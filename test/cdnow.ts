import { readFileSync } from 'node:fs';
import { parseCdnowLine } from '@bondstream/importer';
import { datasets } from './harness.js';

export interface CdnowOrder {
  line: number;
  customerId: string;
  /** YYYY-MM-DD */
  date: string;
  amount: number;
}

/**
 * Reads a CDNOW transaction log: the sample (master id, sample id, date, CDs, dollars) or the
 * master file (id, date, CDs, dollars; with a header line), with the importer's line parser.
 */
export function readCdnow(file: 'CDNOW_sample.txt' | 'CDNOW_master.txt'): CdnowOrder[] {
  const orders: CdnowOrder[] = [];
  readFileSync(`${datasets}${file}`, 'utf8').split('\n').forEach((text, index) => {
    const parsed = parseCdnowLine(text, index + 1);
    if (parsed.kind === 'bad') throw new Error(`${file}:${index + 1}: ${parsed.reason}`);
    if (parsed.kind === 'order') orders.push({ line: index + 1, customerId: parsed.customerId, date: parsed.date, amount: Number(parsed.amount) });
  });
  return orders;
}

export function toOrderEvent(order: CdnowOrder, tenantId = 'default'): { key: string; value: string } {
  return {
    key: order.customerId,
    value: JSON.stringify({
      eventId: `cdnow-${order.line}`,
      type: 'order.placed',
      tenantId,
      customerId: order.customerId,
      orderId: String(order.line),
      occurredAt: `${order.date}T00:00:00Z`,
      currency: 'USD',
      amount: order.amount,
    }),
  };
}

export interface ExpectedCustomer {
  /** placed minus cancelled orders */
  orders: number;
  /** net of cancellations, in cents */
  revenueCents: number;
  /** ISO time of the first and last placed order (null: the customer only cancelled) */
  first: string | null;
  last: string | null;
}

/** Per-customer truth computed straight from the file, independently of packages/model. */
export function expectedTotals(orders: readonly CdnowOrder[]): Map<string, ExpectedCustomer> {
  const totals = new Map<string, ExpectedCustomer>();
  for (const o of orders) {
    const at = `${o.date}T00:00:00Z`;
    const t = totals.get(o.customerId) ?? { orders: 0, revenueCents: 0, first: at, last: at };
    t.orders += 1;
    t.revenueCents += Math.round(o.amount * 100);
    if (at < (t.first as string)) t.first = at;
    if (at > (t.last as string)) t.last = at;
    totals.set(o.customerId, t);
  }
  return totals;
}

export interface ProfileTotals {
  firstPurchaseAt: string | null;
  lastPurchaseAt: string | null;
  lifetime: { orders: number; revenue: number };
}

/** Customers whose profile does not match the file's truth, with what was seen and expected. */
export function profileMismatches(
  profiles: Map<string, { status: number; body: ProfileTotals }>,
  expected: Map<string, ExpectedCustomer>,
): string[] {
  const wrong: string[] = [];
  for (const [id, truth] of expected) {
    const seen = profiles.get(id);
    const ok = seen?.status === 200
      && seen.body.lifetime.orders === truth.orders
      && Math.round(seen.body.lifetime.revenue * 100) === truth.revenueCents
      && seen.body.firstPurchaseAt === truth.first
      && seen.body.lastPurchaseAt === truth.last;
    if (!ok) wrong.push(`${id}: ${seen?.status} ${JSON.stringify(seen?.body).slice(0, 300)} expected ${JSON.stringify(truth)}`);
  }
  return wrong;
}
