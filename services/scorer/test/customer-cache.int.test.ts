import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { defaultPolicy, type ModelEvent } from '@bondstream/model';
import { createMetricsRegistry } from '@bondstream/observability';
import { CustomerCache, KeySpace, readCustomerState, type CustomerRef } from '@bondstream/redis-state';
import { startRedisWithClient, type RedisWithClient } from '@bondstream/testkit';
import { applyBatch } from '../src/apply-batch.js';
import { EvaluationClock } from '../src/clock.js';
import { createScorerMetrics } from '../src/metrics.js';
import type { ScoringContext } from '../src/plan.js';
import { WriteRounds } from '../src/write-rounds.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const TENANT = 'shop-1';
const who: CustomerRef = { tenantId: TENANT, customerId: 'c-1' };

const order = (n: number): ModelEvent => ({ eventId: `o-${n}`, type: 'order.placed', occurredAtMs: T0 + n * DAY, amountCents: 1_000 + n * 100 });

/**
 * The scorer's cache of its own writes (CustomerCache) only ever saves a read: two scorers
 * writing one customer by turns, each with a cache that goes stale, end with the same state as
 * one scorer that reads before every step, and a duplicate is still refused from the cache.
 */
describe('customer cache: stale entries are caught by the version check (real redis-server)', () => {
  let local: RedisWithClient;
  let redis: Redis;

  function scorer(namespace: string, cache: CustomerCache | null): ScoringContext {
    const clock = new EvaluationClock('event', 0);
    clock.observe(TENANT, T0 + 30 * DAY);
    return {
      redis, keyspace: new KeySpace(namespace), policy: defaultPolicy, clock, eventTime: null,
      metrics: createScorerMetrics(createMetricsRegistry('scorer')),
      thresholds: () => null, lifetimeModel: () => null, dedupeRetentionMs: 8 * DAY, onOutboxWrite: () => undefined,
      writeRounds: new WriteRounds(), customerCache: cache,
    };
  }
  const apply = (ctx: ScoringContext, events: ModelEvent[]) => applyBatch(ctx, events.map((event) => ({ ...who, event })));
  const conflicts = async (ctx: ScoringContext) => (await ctx.metrics.conflicts.get()).values.reduce((n, v) => n + v.value, 0);

  beforeAll(async () => {
    local = await startRedisWithClient();
    redis = local.redis;
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('two cached scorers by turns end where one reading scorer does; duplicates are refused from the cache', async () => {
    const cacheA = new CustomerCache(100);
    const a = scorer('shared', cacheA);
    const b = scorer('shared', new CustomerCache(100));
    const reference = scorer('reference', null);

    // a new customer: written without a read (optimistic), then cached
    expect(await apply(a, [order(1), order(2)])).toEqual({ applied: 2, duplicates: 0 });
    expect(cacheA.get(who)?.version).toBe(1);
    expect(await conflicts(a)).toBe(0);
    // B has never seen the customer: its optimistic write is refused, it reads and writes
    expect(await apply(b, [order(3)])).toEqual({ applied: 1, duplicates: 0 });
    expect(await conflicts(b)).toBe(1);
    // A's entry is stale now (version 1, Redis has 2): refused, dropped, read, written
    expect(await apply(a, [order(4)])).toEqual({ applied: 1, duplicates: 0 });
    expect(await conflicts(a)).toBe(1);
    expect(cacheA.get(who)?.version).toBe(3);
    // a duplicate, judged from the cached ledger alone: no write
    expect(await apply(a, [order(4), order(2)])).toEqual({ applied: 0, duplicates: 2 });
    expect(await conflicts(a)).toBe(1);

    for (const events of [[order(1), order(2)], [order(3)], [order(4)]]) await apply(reference, events);
    const written = await readCustomerState(redis, a.keyspace, who);
    expect(written?.appliedEvents).toBe(4);
    expect(written).toEqual(await readCustomerState(redis, reference.keyspace, who));
    const version = async (ctx: ScoringContext) => redis.hget(ctx.keyspace.customer(who).state, 'v');
    expect(await version(a)).toBe(await version(reference));
  });

  it('registers a tenant once per process: with the wall clock and cached customers a batch is one round trip', async () => {
    const ctx = { ...scorer('tenants', new CustomerCache(100)), clock: new EvaluationClock('wall', 0), registeredTenants: new Set<string>() };
    const commands = async () => {
      const stats = await redis.info('commandstats');
      return Object.fromEntries([...stats.matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    };
    await apply(ctx, [order(1)]);
    expect(await redis.smembers(ctx.keyspace.tenants())).toEqual([TENANT]);
    expect(ctx.registeredTenants.has(TENANT)).toBe(true);
    await redis.config('RESETSTAT');
    await apply(ctx, [order(2)]);
    // only the atomic step (and the commandstats read above): no SADD, no read of the customer
    const calls = await commands();
    expect(calls.sadd).toBeUndefined();
    expect(calls.evalsha).toBe(1);
    expect(calls.hmget).toBeUndefined();
    expect((await readCustomerState(redis, ctx.keyspace, who))?.appliedEvents).toBe(2);
  });
});
