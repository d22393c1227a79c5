import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import {
  appendChanges, applyEvents, assignSegments, defaultPolicy, emptyState, evaluate, type ModelEvent,
} from '@bondstream/model';
import { createLogger, createMetricsRegistry, startHttpServer } from '@bondstream/observability';
import { claimActions, KeySpace, loadCustomers, writeCustomers, writeLifetimeModel } from '@bondstream/redis-state';
import { startRedisWithClient, type RedisWithClient } from '@bondstream/testkit';
import { registerApiRoutes } from '../src/routes.js';

const DAY = 86_400_000;
const keyspace = new KeySpace('consoletest');
const day0 = Date.UTC(2026, 10, 1, 12);
const TOKENS = [
  { name: 'API_TOKEN', token: 'all-tenants-token', tenants: null },
  { name: 'shop-1 marketing', token: 'shop-1-only-token', tenants: new Set(['shop-1']) },
];

/** Applies one customer's events as the scorer does (plan, atomic step), on the day of the last one. */
async function send(redis: Redis, tenantId: string, customerId: string, events: ModelEvent[]): Promise<void> {
  const nowMs = Math.max(...events.map((e) => e.occurredAtMs));
  const [stored] = await loadCustomers(redis, keyspace, [{ ref: { tenantId, customerId }, eventIds: events.map((e) => e.eventId) }]);
  const updated = applyEvents(stored!.state ?? emptyState(), events, nowMs, defaultPolicy);
  const evaluation = evaluate(updated, nowMs, null, defaultPolicy);
  const { state, changes } = assignSegments(updated, evaluation, nowMs, defaultPolicy);
  await writeCustomers(redis, [{
    stored: stored!, dueAtMs: null, state, appliedEventIds: events.map((e) => e.eventId), index: evaluation.index,
    outbox: changes.map((c) => ({ fromKey: c.from === null ? null : `${c.dimension}:${c.from}`, toKey: `${c.dimension}:${c.to}`, event: '{}' })),
    history: appendChanges(stored!.history, changes, nowMs, 'event'), changesAtMs: nowMs,
  }], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
}
const order = (id: string, atMs: number, amount: number): ModelEvent => ({ eventId: id, type: 'order.placed', occurredAtMs: atMs, amountCents: amount * 100, costCents: amount * 40 });

describe('the console\'s endpoints (real redis-server)', () => {
  let local: RedisWithClient;
  let redis: Redis;
  let http: Awaited<ReturnType<typeof startHttpServer>>;
  const nowMs = day0 + 9 * DAY;
  const get = async <T>(path: string, token = 'all-tenants-token'): Promise<{ status: number; body: T }> => {
    const response = await fetch(`http://127.0.0.1:${http.port}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as T };
  };

  beforeAll(async () => {
    local = await startRedisWithClient();
    redis = local.redis;
    // 30 customers: c-i first buys on day (i mod 10), 10 × i; every third buys again 3 days later
    for (let i = 0; i < 30; i++) {
      const first = day0 + (i % 10) * DAY;
      await send(redis, 'shop-1', `c-${i}`, [order(`c${i}-1`, first, 10 * (i + 1))]);
      if (i % 3 === 0 && (i % 10) + 3 <= 9) await send(redis, 'shop-1', `c-${i}`, [order(`c${i}-2`, first + 3 * DAY, 10 * (i + 1))]);
    }
    await send(redis, 'shop-2', 'other', [order('o-1', day0, 50)]);
    await redis.sadd(keyspace.tenants(), 'shop-1', 'shop-2'); // as the scorer's batch registers them
    await claimActions(redis, keyspace, [{ ref: { tenantId: 'shop-1', customerId: 'c-3' }, actionId: 'a-1', action: 'short_term_offer', occurredAtMs: day0 + 6 * DAY, payload: '{}' }],
      { cooldownMs: 0, wallNowMs: Date.now(), dedupeRetentionMs: 60_000, webhooks: false });
    http = await startHttpServer({
      port: 0, host: '127.0.0.1', logger: createLogger('api', 'silent'), registry: createMetricsRegistry('api'), ready: () => true,
      routes: (app) => registerApiRoutes(app, { redis, keyspace, policy: defaultPolicy, tokens: TOKENS, nowMs: async () => nowMs }),
    });
  });
  afterAll(async () => {
    await http?.close();
    await local?.stop();
  });

  it('counts a period\'s transitions by the changes\' day: every first assignment and every move', async () => {
    const { status, body } = await get<{ days: number; fromDay: string; toDay: string; transitions: Array<{ dimension: string; from: string | null; to: string; count: number }> }>('/v1/transitions?tenant=shop-1&days=7');
    expect(status).toBe(200);
    expect(body).toMatchObject({ days: 7, fromDay: '2026-11-04', toDay: '2026-11-10' });
    // days 3..9 of the 10: 21 customers' first assignments, one per dimension
    const firsts = body.transitions.filter((t) => t.from === null);
    for (const dimension of ['relationship', 'pyramid', 'rfm']) {
      expect(firsts.filter((t) => t.dimension === dimension).reduce((n, t) => n + t.count, 0)).toBe(21);
    }
    const all = await get<{ transitions: Array<{ from: string | null; count: number }> }>('/v1/transitions?tenant=shop-1&days=10');
    expect(all.body.transitions.filter((t) => t.from === null).reduce((n, t) => n + t.count, 0)).toBe(90);
  });

  it('gives each segment\'s size per day, ending at today\'s counts and starting from nothing before the first purchase', async () => {
    const segments = await get<{ dimensions: Record<string, Record<string, number>> }>('/v1/segments?tenant=shop-1');
    const { body } = await get<{ dates: string[]; dimensions: Record<string, Record<string, number[]>> }>('/v1/segment-sizes?tenant=shop-1&days=11');
    expect(body.dates).toHaveLength(11);
    expect(body.dates.at(-1)).toBe('2026-11-10');
    for (const [dimension, values] of Object.entries(body.dimensions)) {
      for (const [value, series] of Object.entries(values)) {
        expect(series.at(-1)).toBe(segments.body.dimensions[dimension]![value]);
        expect(series[0]).toBe(0); // 2026-10-31: nobody had bought
      }
      // three customers a day joined: the total grows by 3 a day
      const totals = body.dates.map((_, i) => Object.values(values).reduce((n, s) => n + s[i]!, 0));
      expect(totals).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
    }
  });

  it('keeps a customer\'s recent changes and actions, newest first', async () => {
    const { status, body } = await get<{ segmentChanges: Array<{ dimension: string; from: string | null; occurredAt: string; cause: string }>; actions: Array<{ action: string; occurredAt: string }> }>('/v1/customers/c-3/history?tenant=shop-1');
    expect(status).toBe(200);
    expect(body.segmentChanges.length).toBeGreaterThan(3);
    expect(body.segmentChanges.at(-1)).toMatchObject({ from: null, occurredAt: '2026-11-04T12:00:00Z', cause: 'event' });
    expect(body.segmentChanges[0]!.occurredAt).toBe('2026-11-07T12:00:00Z');
    expect(body.actions).toEqual([{ action: 'short_term_offer', occurredAt: '2026-11-07T12:00:00Z' }]);
    expect((await get('/v1/customers/nobody/history?tenant=shop-1')).status).toBe(404);
  });

  it('lists the most profitable customers, best first', async () => {
    const { body } = await get<{ by: string; customers: Array<{ customerId: string; profit: number; clv: number | null; segments: { pyramid: string | null } }> }>('/v1/top-customers?tenant=shop-1&limit=5');
    expect(body.by).toBe('profit');
    // counted independently: 6 × (i + 1) of margin per order, two orders for the repeat buyers
    const profits = Array.from({ length: 30 }, (_, i) => ({ id: `c-${i}`, profit: 6 * (i + 1) * (i % 3 === 0 && i % 10 <= 6 ? 2 : 1) }))
      .sort((a, b) => b.profit - a.profit || a.id.localeCompare(b.id));
    expect(body.customers.map((c) => [c.customerId, c.profit])).toEqual(profits.slice(0, 5).map((p) => [p.id, p.profit]));
    expect(body.customers.every((c, i, all) => i === 0 || all[i - 1]!.profit >= c.profit)).toBe(true);
    expect(body.customers[0]!.clv).toBeNull(); // no model yet
  });

  it('summarises predicted value from a sample once a model exists', async () => {
    const before = await get<{ modelVersion: number | null; pAlive: unknown; sampled: number; quadrants: Record<string, { customers: number }> }>('/v1/value?tenant=shop-1');
    expect(before.body).toMatchObject({ modelVersion: null, pAlive: null, sampled: 30 });
    expect(Object.values(before.body.quadrants).reduce((n, q) => n + q.customers, 0)).toBe(30);
    await writeLifetimeModel(redis, keyspace, 'shop-1', {
      version: 1, fittedAtMs: nowMs, asOfMs: nowMs,
      bgnbd: { r: 0.243, alpha: 30.9, a: 0.793, b: 2.426, logLikelihood: -1, customers: 30 },
      gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44, logLikelihood: -1, customers: 10 },
    });
    const after = await get<{ modelVersion: number; pAlive: { edges: number[]; counts: number[] }; clv: { counts: number[] }; quadrants: Record<string, { meanClv: number | null }> }>('/v1/value?tenant=shop-1');
    expect(after.body.modelVersion).toBe(1);
    expect(after.body.pAlive.edges).toHaveLength(11);
    expect(after.body.pAlive.counts.reduce((a, b) => a + b, 0)).toBe(30);
    expect(after.body.clv.counts.reduce((a, b) => a + b, 0)).toBe(30);
  });

  it('lets a scoped token read its tenant only: 403 for another, its own list of tenants', async () => {
    expect((await get('/v1/segments?tenant=shop-1', 'shop-1-only-token')).status).toBe(200);
    const refused = await get<{ error: string; message: string }>('/v1/segments?tenant=shop-2', 'shop-1-only-token');
    expect(refused).toEqual({ status: 403, body: { error: 'forbidden', message: 'this token may not read tenant shop-2' } });
    expect((await get('/v1/customers/c-1', 'shop-1-only-token')).status).toBe(403); // tenant defaults to "default"
    expect((await get<{ tenants: string[] }>('/v1/tenants', 'shop-1-only-token')).body).toEqual({ tenants: ['shop-1'] });
    expect((await get<{ tenants: string[] }>('/v1/tenants')).body).toEqual({ tenants: ['shop-1', 'shop-2'] });
    expect((await get('/v1/tenants', 'nobody-knows-me')).status).toBe(401);
  });
});
