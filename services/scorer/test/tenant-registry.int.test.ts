import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { defaultPolicy, type ModelEvent } from '@bondstream/model';
import { createMetricsRegistry } from '@bondstream/observability';
import { KeySpace, readCustomerState } from '@bondstream/redis-state';
import { startRedisWithClient, type RedisWithClient } from '@bondstream/testkit';
import { applyBatch } from '../src/apply-batch.js';
import { EvaluationClock } from '../src/clock.js';
import { createScorerMetrics } from '../src/metrics.js';
import type { ScoringContext } from '../src/plan.js';
import { WriteRounds } from '../src/write-rounds.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const TENANT = 'shop-1';
const order = (n: number): ModelEvent => ({ eventId: `o-${n}`, type: 'order.placed', occurredAtMs: T0 + n * DAY, amountCents: 1_000 + n * 100 });

describe('tenant registry (real redis-server)', () => {
  let local: RedisWithClient;
  let redis: Redis;
  beforeAll(async () => {
    local = await startRedisWithClient();
    redis = local.redis;
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('a process adds a tenant once, not with every batch: with the wall clock nothing goes before the read', async () => {
    const ctx: ScoringContext = {
      redis, keyspace: new KeySpace('tenants'), policy: defaultPolicy, clock: new EvaluationClock('wall', 0), eventTime: null,
      metrics: createScorerMetrics(createMetricsRegistry('scorer')),
      thresholds: () => null, lifetimeModel: () => null, dedupeRetentionMs: 8 * DAY, onOutboxWrite: () => undefined,
      writeRounds: new WriteRounds(), registeredTenants: new Set(),
    };
    const apply = (n: number) => applyBatch(ctx, [{ tenantId: TENANT, customerId: 'c-1', event: order(n) }]);
    const calls = async (): Promise<Record<string, number>> => {
      const stats = await redis.info('commandstats');
      return Object.fromEntries([...stats.matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map((m) => [m[1] as string, Number(m[2])]));
    };
    await redis.config('RESETSTAT');
    await apply(1);
    expect((await calls()).sadd).toBe(1);
    expect(await redis.smembers(ctx.keyspace.tenants())).toEqual([TENANT]);
    await redis.config('RESETSTAT');
    await apply(2);
    const second = await calls();
    expect(second.sadd).toBeUndefined();
    expect(second.evalsha).toBe(2); // the read and the atomic step
    expect((await readCustomerState(redis, ctx.keyspace, { tenantId: TENANT, customerId: 'c-1' }))?.appliedEvents).toBe(2);
  });
});
