import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { defaultPolicy, type ModelEvent } from '@bondstream/model';
import { createLogger, createMetricsRegistry } from '@bondstream/observability';
import { CLOCK_LEASE_KIND, KeySpace, readLifetimeModel, type CustomerRef } from '@bondstream/redis-state';
import { startRedisWithClient, waitFor, type RedisWithClient } from '@bondstream/testkit';
import { applyBatch } from '../src/apply-batch.js';
import { EvaluationClock } from '../src/clock.js';
import { fitLifetimeModels } from '../src/lifetime-fit.js';
import { LifetimeRefit } from '../src/lifetime-refit.js';
import { createScorerMetrics } from '../src/metrics.js';
import type { ScoringContext } from '../src/plan.js';
import type { TenantTaskDeps } from '../src/tenant-task.js';
import { WriteRounds } from '../src/write-rounds.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const TENANT = 'shop-1';

/** Customer i: 1 to 5 purchase days spread over 200 days (enough repeat buyers for a fit). */
function ordersOf(i: number): ModelEvent[] {
  return Array.from({ length: 1 + (i % 5) }, (_, k): ModelEvent => ({
    eventId: `c${i}-o${k}`, type: 'order.placed', occurredAtMs: T0 + ((i * 13 + k * 41) % 200) * DAY, amountCents: 2_000 + (i % 7) * 1_000,
  }));
}

/**
 * A new lifetime model re-scores the tenant only once every live scorer has adopted it: a scorer
 * still planning with the old model would otherwise overwrite re-scored customers with
 * old-model scores. Two LifetimeRefit instances stand for two scorers on one real Redis.
 */
describe('lifetime model adoption across scorers (real redis-server)', () => {
  let local: RedisWithClient;
  let redis: Redis;
  const keyspace = new KeySpace('bs');
  const events: string[] = [];

  function scorer(token: string, rescore: (refs: readonly CustomerRef[]) => Promise<unknown>): LifetimeRefit {
    const clock = new EvaluationClock('event', 0);
    clock.observe(TENANT, T0 + 200 * DAY);
    const deps: TenantTaskDeps = {
      redis, keyspace, policy: defaultPolicy, clock, leaseToken: token, writeRounds: new WriteRounds(),
      logger: createLogger('scorer', 'silent'), metrics: createScorerMetrics(createMetricsRegistry('scorer')),
    };
    // the fit in this thread: the worker thread needs the compiled scorer
    return new LifetimeRefit(deps, rescore, async (request) => fitLifetimeModels(request));
  }

  beforeAll(async () => {
    local = await startRedisWithClient();
    redis = local.redis;
    const clock = new EvaluationClock('event', 0);
    clock.observe(TENANT, T0 + 200 * DAY);
    const ctx: ScoringContext = {
      redis, keyspace, policy: defaultPolicy, clock, eventTime: null, metrics: createScorerMetrics(createMetricsRegistry('scorer')),
      thresholds: () => null, lifetimeModel: () => null, dedupeRetentionMs: 8 * DAY, onOutboxWrite: () => undefined, writeRounds: new WriteRounds(),
    };
    await applyBatch(ctx, Array.from({ length: 300 }, (_, i) => i).flatMap((i) =>
      ordersOf(i).map((event) => ({ tenantId: TENANT, customerId: `c-${i}`, event }))));
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('waits for the other live scorer to adopt the new version before re-scoring', async () => {
    // both scorers are live: members of the clock's lease registry, as their clock loops make them
    await redis.zadd(keyspace.leaseMembers(CLOCK_LEASE_KIND), Date.now() + 60_000, 'scorer-a', Date.now() + 60_000, 'scorer-b');
    const fitting = scorer('scorer-a', async (refs) => {
      events.push(`a re-scores ${refs.length}`);
    });
    const other = scorer('scorer-b', async () => undefined);
    const refit = fitting.refit(TENANT);
    const stored = await waitFor('the new model stored', async () => (await readLifetimeModel(redis, keyspace, TENANT)) ?? undefined, { timeoutMs: 30_000 });
    expect(stored.version).toBe(1);
    // scorer B has not read it yet: A holds its re-score (checked again after B had the chance)
    await waitFor('A recorded its own adoption', async () => ((await redis.hget(keyspace.lifetimeModelAdopted(TENANT), 'scorer-a')) === '1' ? true : undefined));
    expect(events).toEqual([]);
    expect(other.get(TENANT)).toBeNull();
    await other.reload();
    events.push('b adopted');
    expect(other.get(TENANT)?.version).toBe(1);
    await refit;
    expect(events[0]).toBe('b adopted');
    expect(events.slice(1).every((e) => e.startsWith('a re-scores'))).toBe(true);
    expect(events.length).toBeGreaterThan(1);
  }, 60_000);

  it('forgets scorers that are gone and does not wait for them', async () => {
    await redis.del(keyspace.leaseMembers(CLOCK_LEASE_KIND));
    await redis.zadd(keyspace.leaseMembers(CLOCK_LEASE_KIND), Date.now() + 60_000, 'scorer-a', Date.now() - 1, 'scorer-b');
    const rescored: number[] = [];
    const fitting = scorer('scorer-a', async (refs) => {
      rescored.push(refs.length);
    });
    await fitting.reload();
    const snapshot = await fitting.refit(TENANT);
    expect(snapshot?.version).toBe(2);
    expect(rescored.reduce((n, k) => n + k, 0)).toBe(300);
    expect(await redis.hkeys(keyspace.lifetimeModelAdopted(TENANT))).toEqual(['scorer-a']);
  }, 60_000);

  it('a tenant whose fit fails is tried again only after a pause, not at every look', async () => {
    const tenant = 'too-few-repeat-buyers';
    await redis.sadd(keyspace.tenants(), tenant);
    let fits = 0;
    const deps: TenantTaskDeps = {
      redis, keyspace, policy: { ...defaultPolicy, lifetime: { ...defaultPolicy.lifetime, minRepeatBuyers: 1_000_000 } },
      clock: new EvaluationClock('event', 0), leaseToken: 'scorer-c', writeRounds: new WriteRounds(),
      logger: createLogger('scorer', 'silent'), metrics: createScorerMetrics(createMetricsRegistry('scorer')),
    };
    const refitter = new LifetimeRefit(deps, async () => undefined, async (request) => {
      fits += 1;
      return fitLifetimeModels(request);
    });
    await refitter.refitAll();
    const first = fits;
    expect(first).toBeGreaterThanOrEqual(1); // this tenant (and shop-1 if its model is due)
    expect(await readLifetimeModel(redis, keyspace, tenant)).toBeNull();
    // the next looks come within the pause (a tick, 30 s, after the first failure): no new read or fit
    await refitter.refitAll();
    await refitter.refitAll();
    expect(fits).toBe(first);
  }, 60_000);
});
