import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { appendChanges, applyEvents, assignSegments, defaultPolicy, emptyState, evaluate, type CustomerProfile } from '@bondstream/model';
import { createLogger, createMetricsRegistry, startHttpServer } from '@bondstream/observability';
import { KeySpace, loadCustomers, writeCustomers, writeLifetimeModel, type LifetimeModelSnapshot } from '@bondstream/redis-state';
import { startRedisWithClient, type RedisWithClient } from '@bondstream/testkit';
import { registerApiRoutes } from '../src/routes.js';

const keyspace = new KeySpace('apitest');
const at = Date.UTC(2026, 10, 20, 10, 15);

async function seedCustomer(redis: Redis, tenantId: string, customerId: string): Promise<void> {
  const [stored] = await loadCustomers(redis, keyspace, [{ ref: { tenantId, customerId }, eventIds: ['o-1'] }]);
  const updated = applyEvents(emptyState(), [{ eventId: 'o-1', type: 'order.placed', occurredAtMs: at, amountCents: 12_050, costCents: 7_010 }], at, defaultPolicy);
  const evaluation = evaluate(updated, at, null, defaultPolicy);
  const { state, changes } = assignSegments(updated, evaluation, at, defaultPolicy);
  await writeCustomers(redis, [{
    stored: stored!, dueAtMs: null, state, appliedEventIds: ['o-1'], index: evaluation.index,
    outbox: changes.map((c) => ({ fromKey: null, toKey: `${c.dimension}:${c.to}`, event: '{}' })),
    history: appendChanges(null, changes, at, 'event'), changesAtMs: at,
  }], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
}

describe.each([
  { name: 'without API_TOKEN', token: null },
  { name: 'with API_TOKEN', token: 's3cret-token' },
])('the read API $name', ({ token }) => {
  let local: RedisWithClient;
  let redis: Redis;
  let http: Awaited<ReturnType<typeof startHttpServer>>;
  const get = (path: string, bearer: string | null = token) =>
    fetch(`http://127.0.0.1:${http.port}${path}`, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});

  // the tenant's evaluation time as the scorer's clock would give it
  let nowMs = at;

  beforeAll(async () => {
    local = await startRedisWithClient();
    redis = local.redis;
    await seedCustomer(redis, 'shop-1', 'c-42');
    http = await startHttpServer({
      port: 0, host: '127.0.0.1', logger: createLogger('api', 'silent'), registry: createMetricsRegistry('api'), ready: () => true,
      routes: (app) => registerApiRoutes(app, {
        redis, keyspace, policy: defaultPolicy, tokens: token ? [{ name: 'API_TOKEN', token, tenants: null }] : [], nowMs: async () => nowMs,
      }),
    });
  });
  afterAll(async () => {
    await http?.close();
    await local?.stop();
  });

  it('serves the profile of DESIGN section 3', async () => {
    const response = await get('/v1/customers/c-42?tenant=shop-1');
    expect(response.status).toBe(200);
    const body = (await response.json()) as CustomerProfile;
    expect(body).toMatchObject({
      tenantId: 'shop-1', customerId: 'c-42', stateVersion: 1,
      firstPurchaseAt: '2026-11-20T10:15:00Z', lastPurchaseAt: '2026-11-20T10:15:00Z', lastEventAt: '2026-11-20T10:15:00Z',
      lifetime: { orders: 1, revenue: 120.5, grossMargin: 50.4, refunds: 0, contacts: 0, contactCost: 0 },
      window: { days: 365, orders: 1, monetary: 120.5, grossMargin: 50.4, refunds: 0, contacts: 0, contactCost: 0, profit: 50.4 },
      scores: { recencyDays: 0, frequency: 1, monetary: 120.5, profit: 50.4 },
      segments: { rfm: { value: 'new', since: '2026-11-20T10:15:00Z' } },
    });
    expect(Object.keys(body.segments)).toEqual(['relationship', 'pyramid', 'rfm']);
  });

  it('gives recency and window totals as of the tenant\'s evaluation time, segments as stored', async () => {
    nowMs = at + 400 * 86_400_000;
    try {
      const body = (await (await get('/v1/customers/c-42?tenant=shop-1')).json()) as CustomerProfile;
      expect(body.scores.recencyDays).toBe(400);
      expect(body.window.orders).toBe(0);
      expect(body.segments.rfm?.value).toBe('new');
    } finally {
      nowMs = at;
    }
  });

  it('counts customers per segment value, zeros included', async () => {
    const response = await get('/v1/segments?tenant=shop-1');
    const body = (await response.json()) as { tenantId: string; dimensions: Record<'relationship' | 'pyramid' | 'rfm', Record<string, number>> };
    expect(body.tenantId).toBe('shop-1');
    expect(body.dimensions.rfm.new).toBe(1);
    expect(body.dimensions.rfm.champions).toBe(0);
    expect(Object.keys(body.dimensions.pyramid)).toEqual(['top', 'big', 'medium', 'small', 'inactive', 'prospect']);
  });

  it('serves the tenant\'s fitted lifetime model, 404 before the first fit', async () => {
    expect((await get('/v1/models?tenant=shop-1')).status).toBe(404);
    const model: LifetimeModelSnapshot = {
      version: 3, fittedAtMs: Date.UTC(2026, 10, 21), asOfMs: at,
      bgnbd: { r: 0.243, alpha: 30.9, a: 0.793, b: 2.426, logLikelihood: -9582.4, customers: 2_357 },
      gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44, logLikelihood: -4055.9, customers: 946 },
    };
    await writeLifetimeModel(redis, keyspace, 'shop-1', model);
    const response = await get('/v1/models?tenant=shop-1');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      tenantId: 'shop-1', version: 3, fittedAt: '2026-11-21T00:00:00.000Z', asOf: '2026-11-20T10:15:00.000Z',
      bgnbd: { ...model.bgnbd, timeUnit: 'day' }, gammaGamma: model.gammaGamma,
    });
    expect((await get('/v1/models?tenant=shop-2')).status).toBe(404);
  });

  it('answers 404 for an unknown customer or tenant and 400 for an unusable id', async () => {
    expect((await get('/v1/customers/c-43?tenant=shop-1')).status).toBe(404);
    expect((await get('/v1/customers/c-42?tenant=shop-2')).status).toBe(404);
    expect((await get(`/v1/customers/${encodeURIComponent('c{1}')}`)).status).toBe(400);
  });

  it('asks for a bearer token exactly when API_TOKEN is set, never for health and metrics', async () => {
    const missing = await get('/v1/customers/c-42?tenant=shop-1', null);
    expect(missing.status).toBe(token === null ? 200 : 401);
    if (token !== null) {
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');
      expect((await get('/v1/segments?tenant=shop-1', 'wrong-token')).status).toBe(401);
    }
    expect((await get('/healthz', null)).status).toBe(200);
    expect((await get('/metrics', null)).status).toBe(200);
  });
});
