import { DEFAULT_STATE_SHARDS } from '@bondstream/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { computeThresholds, defaultPolicy, thresholdRanks, thresholdsFromRanks } from '@bondstream/model';
import {
  KeySpace, rankKey, readPopulation, readPopulationCounts, readValuesAtRanks, type IndexName,
} from '@bondstream/redis-state';
import { startRedisWithClient, type RedisWithClient } from '@bondstream/testkit';

const INDEXES: IndexName[] = ['recency', 'frequency', 'monetary', 'profit'];

/** One customer's index values as the atomic step writes them (profit only when active). */
const customer = fc.record({
  shard: fc.integer({ min: 0, max: DEFAULT_STATE_SHARDS - 1 }),
  recency: fc.integer({ min: 9_000, max: 10_500 }),
  // few distinct values, so ties across shards are common
  frequency: fc.integer({ min: 1, max: 6 }),
  monetary: fc.integer({ min: 1, max: 5_000_000 }),
  profit: fc.option(fc.integer({ min: -200_000, max: 2_000_000 }), { nil: undefined }),
});

describe('thresholds from the values at the cut ranks (real redis-server)', () => {
  let local: RedisWithClient;
  let redis: Redis;
  beforeAll(async () => {
    local = await startRedisWithClient();
    redis = local.redis;
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('equal the snapshot computed from the whole population, for any population spread over the shards', async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(fc.array(customer, { minLength: 1, maxLength: 400 }), async (customers) => {
      const keyspace = new KeySpace(`ranks-${run++}`);
      const tenantId = 'shop-1';
      const pipeline = redis.pipeline();
      customers.forEach((c, i) => {
        for (const index of INDEXES) {
          const value = c[index];
          if (value !== undefined) pipeline.zadd(keyspace.index(c.shard, tenantId, index), value, `c-${i}`);
        }
      });
      await pipeline.exec();

      const counts = await readPopulationCounts(redis, keyspace, tenantId);
      const values = await readValuesAtRanks(redis, keyspace, tenantId, thresholdRanks(counts, defaultPolicy));
      const fromRanks = thresholdsFromRanks(counts, (index, rank) => values.get(rankKey(index, rank)) as number, defaultPolicy, 3, 1_000);
      const reference = computeThresholds(await readPopulation(redis, keyspace, tenantId), defaultPolicy, 3, 1_000);
      expect(fromRanks).toEqual(reference);
      expect(counts.recency).toBe(customers.length);
      expect(counts.profit).toBe(customers.filter((c) => c.profit !== undefined).length);
    }), { numRuns: 40 });
  });

  it('reads nothing for an empty tenant and gives no cuts', async () => {
    const keyspace = new KeySpace('ranks-empty');
    const counts = await readPopulationCounts(redis, keyspace, 'nobody');
    expect(counts).toEqual({ recency: 0, frequency: 0, monetary: 0, profit: 0 });
    const values = await readValuesAtRanks(redis, keyspace, 'nobody', thresholdRanks(counts, defaultPolicy));
    expect(values.size).toBe(0);
    const t = thresholdsFromRanks(counts, () => Number.NaN, defaultPolicy, 1, 0);
    expect([t.lastPurchaseDayCuts, t.medianProfitCents, t.pyramidProfitCutsCents]).toEqual([null, null, null]);
  });
});
