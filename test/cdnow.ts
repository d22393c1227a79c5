import { readFileSync } from 'node:fs';
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
 * master file (id, date, CDs, dollars; with a header line).
 */
export function readCdnow(file: 'CDNOW_sample.txt' | 'CDNOW_master.txt'): CdnowOrder[] {
  const orders: CdnowOrder[] = [];
  readFileSync(`${datasets}${file}`, 'utf8').split('\n').forEach((text, index) => {
    const cols = text.trim().split(/\s+/);
    if (cols.length < 4 || !/^\d{8}$/.test(cols[file === 'CDNOW_sample.txt' ? 2 : 1] ?? '')) return;
    const [customerId, date, amount] = file === 'CDNOW_sample.txt' ? [cols[0], cols[2], cols[4]] : [cols[0], cols[1], cols[3]];
    const d = date as string;
    orders.push({ line: index + 1, customerId: customerId as string, date: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`, amount: Number(amount) });
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
  orders: number;
  revenueCents: number;
  first: string;
  last: string;
}

/** Per-customer truth computed straight from the file, independently of packages/model. */
export function expectedTotals(orders: readonly CdnowOrder[]): Map<string, ExpectedCustomer> {
  const totals = new Map<string, ExpectedCustomer>();
  for (const o of orders) {
    const t = totals.get(o.customerId) ?? { orders: 0, revenueCents: 0, first: o.date, last: o.date };
    t.orders += 1;
    t.revenueCents += Math.round(o.amount * 100);
    if (o.date < t.first) t.first = o.date;
    if (o.date > t.last) t.last = o.date;
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
      && seen.body.firstPurchaseAt === `${truth.first}T00:00:00Z`
      && seen.body.lastPurchaseAt === `${truth.last}T00:00:00Z`;
    if (!ok) wrong.push(`${id}: ${seen?.status} ${JSON.stringify(seen?.body).slice(0, 300)} expected ${JSON.stringify(truth)}`);
  }
  return wrong;
}
