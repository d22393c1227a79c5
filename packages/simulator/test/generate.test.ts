import { describe, expect, it } from 'vitest';
import {
  ARCHETYPES,
  DAY_MS,
  EXPECTED_RELATIONSHIP,
  LiveFeed,
  generateShoppers,
  mulberry32,
  type InputEvent,
  type OrderEvent,
} from '../src/index.js';
import { contractProblems } from './contract.js';

const END = Date.parse('2026-03-01T12:34:56Z');
const START = END - 400 * DAY_MS;
const history = generateShoppers({ seed: 7, customers: 200, tenantId: 'demo', startMs: START, endMs: END });

const ms = (e: InputEvent): number => Date.parse(e.occurredAt);
const utcDay = (t: number): number => Math.floor(t / DAY_MS);

function eventsOf(customerId: string): InputEvent[] {
  return history.events.filter((e) => e.customerId === customerId);
}

function ordersOf(customerId: string): OrderEvent[] {
  return eventsOf(customerId).filter((e): e is OrderEvent => e.type !== 'interaction');
}

/**
 * Distinct UTC days of placed orders, as the model counts purchase days (a cancelled order's
 * day stays one: the customer came to buy), or only those of orders that were not cancelled.
 */
function purchaseDays(customerId: string, { keptOnly = false } = {}): number[] {
  const orders = ordersOf(customerId);
  const cancelled = new Set(orders.filter((o) => o.type === 'order.cancelled').map((o) => o.orderId));
  const days = orders
    .filter((o) => o.type === 'order.placed' && !(keptOnly && cancelled.has(o.orderId)))
    .map((o) => utcDay(ms(o)));
  return [...new Set(days)].sort((a, b) => a - b);
}

function shoppersOf(archetype: (typeof ARCHETYPES)[number]) {
  return history.shoppers.filter((s) => s.archetype === archetype);
}

describe('mulberry32', () => {
  it('is a deterministic stream of floats in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(990);
    expect(mulberry32(43)()).not.toBe(xs[0]);
  });
});

describe('generateShoppers', () => {
  it('is deterministic: the same seed gives the same shoppers and events', () => {
    const again = generateShoppers({ seed: 7, customers: 200, tenantId: 'demo', startMs: START, endMs: END });
    expect(again).toEqual(history);
    const other = generateShoppers({ seed: 8, customers: 200, tenantId: 'demo', startMs: START, endMs: END });
    expect(other.events).not.toEqual(history.events);
  });

  it('uses no ambient randomness (Math.random is never called)', () => {
    const original = Math.random;
    Math.random = () => {
      throw new Error('Math.random called');
    };
    try {
      expect(() => generateShoppers({ seed: 1, customers: 20, tenantId: 't', startMs: START, endMs: END })).not.toThrow();
    } finally {
      Math.random = original;
    }
  });

  it('emits only events that satisfy the input contract, with unique deterministic ids', () => {
    expect(history.events.length).toBeGreaterThan(1000);
    for (const event of history.events) expect(contractProblems(event), JSON.stringify(event)).toEqual([]);
    const ids = history.events.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^sim-7-c-\d{4}-\d+$/.test(id))).toBe(true);
    expect(history.events.every((e) => e.tenantId === 'demo')).toBe(true);
  });

  it('keeps every event inside [startMs, endMs], sorted by occurredAt', () => {
    const times = history.events.map(ms);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(START);
    expect(Math.max(...times)).toBeLessThanOrEqual(END);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]!);
  });

  it('never passes the end even when it is mid-day (a history ending "now")', () => {
    for (const hour of [0, 7, 9, 15, 23]) {
      const end = Date.parse('2026-05-10T00:00:00Z') + hour * 3_600_000 + 1234;
      const { events } = generateShoppers({ seed: hour, customers: 50, tenantId: 't', startMs: end - 400 * DAY_MS, endMs: end });
      expect(Math.max(...events.map(ms))).toBeLessThanOrEqual(end);
    }
  });

  it('allocates the default mix exactly and labels every shopper with its expected segment', () => {
    const counts = Object.fromEntries(ARCHETYPES.map((a) => [a, shoppersOf(a).length]));
    expect(counts).toEqual({ loyal_high_margin: 61, seasonal_big_spender: 40, loyal_thin_margin: 50, one_time: 49 });
    expect(history.shoppers.map((s) => s.customerId)).toEqual(
      Array.from({ length: 200 }, (_, i) => `c-${String(i + 1).padStart(4, '0')}`),
    );
    for (const s of history.shoppers) expect(s.expected).toBe(EXPECTED_RELATIONSHIP[s.archetype]);
    expect(EXPECTED_RELATIONSHIP).toEqual({
      loyal_high_margin: 'true_friend',
      seasonal_big_spender: 'butterfly',
      loyal_thin_margin: 'barnacle',
      one_time: 'stranger',
    });
    // Archetypes are spread over the ids, not in blocks.
    expect(new Set(history.shoppers.slice(0, 20).map((s) => s.archetype)).size).toBeGreaterThan(2);
  });

  it('honours a custom mix and rejects a bad one', () => {
    const only = generateShoppers({ seed: 1, customers: 10, tenantId: 't', startMs: START, endMs: END, mix: { one_time: 1 } });
    expect(only.shoppers.every((s) => s.archetype === 'one_time')).toBe(true);
    const args = { seed: 1, customers: 10, tenantId: 't', startMs: START, endMs: END };
    expect(() => generateShoppers({ ...args, mix: { one_time: 0 } })).toThrow(/more than 0/);
    expect(() => generateShoppers({ ...args, mix: { one_time: -1 } })).toThrow(/≥ 0/);
    expect(() => generateShoppers({ ...args, mix: { whale: 1 } as never })).toThrow(/unknown archetype/);
    expect(() => generateShoppers({ ...args, endMs: START })).toThrow(/startMs < endMs/);
    expect(() => generateShoppers({ ...args, customers: 1.5 })).toThrow(/customers/);
    expect(() => generateShoppers({ ...args, tenantId: 'a{b}' })).toThrow(/tenantId/);
    expect(generateShoppers({ ...args, customers: 0 })).toEqual({ shoppers: [], events: [] });
  });

  it('loyal shoppers buy on ≥ 8 distinct days at a roughly monthly cadence, until recently', () => {
    for (const s of [...shoppersOf('loyal_high_margin'), ...shoppersOf('loyal_thin_margin')]) {
      expect(purchaseDays(s.customerId, { keptOnly: true }).length, s.customerId).toBeGreaterThanOrEqual(8);
      const days = purchaseDays(s.customerId);
      const gaps = days.slice(1).map((d, i) => d - days[i]!);
      const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
      expect(mean, s.customerId).toBeGreaterThanOrEqual(24);
      expect(mean, s.customerId).toBeLessThanOrEqual(36);
      expect(Math.min(...gaps), s.customerId).toBeGreaterThanOrEqual(20);
      expect(Math.max(...gaps), s.customerId).toBeLessThanOrEqual(45);
      // Still buying on their own cadence at the end, with a tenure of more than 90 days.
      expect(utcDay(END) - days.at(-1)!, s.customerId).toBeLessThanOrEqual(1.5 * mean);
      expect(utcDay(END) - days[0]!, s.customerId).toBeGreaterThan(90);
    }
  });

  it('loyal_high_margin orders are 80–200 with cost ≈ 40 % of the amount', () => {
    for (const s of shoppersOf('loyal_high_margin')) {
      for (const o of ordersOf(s.customerId).filter((o) => o.type === 'order.placed')) {
        expect(o.amount).toBeGreaterThanOrEqual(80);
        expect(o.amount).toBeLessThanOrEqual(200);
        expect(o.cost! / o.amount).toBeGreaterThan(0.35);
        expect(o.cost! / o.amount).toBeLessThan(0.45);
      }
    }
  });

  it('loyal_thin_margin orders are 20–40 at cost ≈ 95 %, with a call-centre ticket about every two weeks', () => {
    for (const s of shoppersOf('loyal_thin_margin')) {
      for (const o of ordersOf(s.customerId).filter((o) => o.type === 'order.placed')) {
        expect(o.amount).toBeGreaterThanOrEqual(20);
        expect(o.amount).toBeLessThanOrEqual(40);
        expect(o.cost! / o.amount).toBeGreaterThan(0.92);
        expect(o.cost! / o.amount).toBeLessThan(0.98);
      }
      const tickets = eventsOf(s.customerId).filter(
        (e) => e.type === 'interaction' && e.channel === 'call_center' && e.kind === 'support_ticket',
      );
      const first = purchaseDays(s.customerId)[0]!;
      const weeks = (utcDay(END) - first) / 7;
      expect(tickets.length, s.customerId).toBeGreaterThanOrEqual(Math.floor(weeks / 2.5));
      expect(tickets.length, s.customerId).toBeLessThanOrEqual(Math.ceil(weeks / 1.5));
    }
  });

  it('seasonal big spenders place exactly 2 big orders on distinct days of the last 2 months', () => {
    for (const s of shoppersOf('seasonal_big_spender')) {
      const orders = ordersOf(s.customerId);
      expect(orders.map((o) => o.type)).toEqual(['order.placed', 'order.placed']);
      for (const o of orders) {
        expect(ms(o)).toBeGreaterThanOrEqual(END - 61 * DAY_MS);
        expect(o.amount).toBeGreaterThanOrEqual(600);
        expect(o.amount).toBeLessThanOrEqual(1500);
        expect(o.cost! / o.amount).toBeLessThan(0.45);
      }
      expect(purchaseDays(s.customerId)).toHaveLength(2);
    }
  });

  it('one_time shoppers place a single small order inside the last year', () => {
    for (const s of shoppersOf('one_time')) {
      const orders = ordersOf(s.customerId);
      expect(orders).toHaveLength(1);
      expect(orders[0]!.type).toBe('order.placed');
      expect(orders[0]!.amount).toBeLessThanOrEqual(60);
      expect(ms(orders[0]!)).toBeGreaterThan(END - 365 * DAY_MS);
    }
  });

  it('adds some realism: cancellations and refunds that match their orders, e-mail campaigns', () => {
    const byType = (t: string) => history.events.filter((e) => e.type === t) as OrderEvent[];
    const placed = new Map(byType('order.placed').map((o) => [o.orderId, o]));
    const cancelled = byType('order.cancelled');
    const refunded = byType('order.refunded');
    expect(cancelled.length).toBeGreaterThan(0);
    expect(refunded.length).toBeGreaterThan(0);
    for (const c of cancelled) {
      const o = placed.get(c.orderId)!;
      expect(o, c.eventId).toBeDefined();
      expect([c.amount, c.cost]).toEqual([o.amount, o.cost]);
      expect(ms(c)).toBeGreaterThan(ms(o));
    }
    for (const r of refunded) {
      const o = placed.get(r.orderId)!;
      expect(r.amount).toBeLessThanOrEqual(o.amount);
      expect(ms(r)).toBeGreaterThan(ms(o));
    }
    const campaigns = history.events.filter((e) => e.type === 'interaction' && e.channel === 'email' && e.kind === 'campaign_contact');
    expect(campaigns.length).toBeGreaterThan(200);
  });
});

describe('LiveFeed', () => {
  it('continues the shoppers with valid events stamped at the given time, deterministically', () => {
    const make = () => new LiveFeed({ seed: 7, shoppers: history.shoppers, tenantId: 'demo' });
    const a = make();
    const b = make();
    const now = END + 60_000;
    const events = Array.from({ length: 300 }, (_, i) => a.next(now + i * 1000));
    expect(Array.from({ length: 300 }, (_, i) => b.next(now + i * 1000))).toEqual(events);
    events.forEach((e, i) => {
      expect(contractProblems(e), JSON.stringify(e)).toEqual([]);
      expect(ms(e)).toBe(now + i * 1000);
    });
    const ids = events.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.some((id) => history.events.some((h) => h.eventId === id))).toBe(false);
    // Mostly known customers, a few new ones whose ids follow the history's.
    const known = new Set(history.shoppers.map((s) => s.customerId));
    expect(events.filter((e) => known.has(e.customerId)).length).toBeGreaterThan(270);
    expect(a.newShoppers.every((s) => !known.has(s.customerId) && /^c-\d{4}$/.test(s.customerId))).toBe(true);
  });
});
