import type { MovedBand } from '@bondstream/model';
import { CommandBatch } from './batch.js';
import type { RedisClient } from './client.js';
import type { CustomerRef, KeySpace } from './keys.js';

/**
 * Customers of a tenant whose due time has come in the given shards (the clock's work list),
 * at most `limitPerShard` per shard, one round trip. Written by the atomic step, so a customer
 * leaves the list only when a re-evaluation (or an event) wrote its next due time.
 */
export async function readDueCustomers(
  redis: RedisClient,
  keyspace: KeySpace,
  tenantId: string,
  shards: readonly number[],
  nowMs: number,
  limitPerShard: number,
): Promise<CustomerRef[]> {
  if (shards.length === 0) return [];
  const batch = new CommandBatch(redis);
  for (const shard of shards) {
    const key = keyspace.due(shard, tenantId);
    batch.add(key, (p) => p.zrangebyscore(key, '-inf', nowMs, 'LIMIT', 0, limitPerShard));
  }
  const replies = (await batch.exec()) as string[][];
  return replies.flat().map((customerId) => ({ tenantId, customerId }));
}

/**
 * Customers of a tenant whose population index value lies in one of the bands (inclusive), over
 * all shards in one round trip: the only ones a moved cut point can re-segment.
 */
export async function readBandCustomers(redis: RedisClient, keyspace: KeySpace, tenantId: string, bands: readonly MovedBand[]): Promise<CustomerRef[]> {
  if (bands.length === 0) return [];
  const batch = new CommandBatch(redis);
  for (const shard of keyspace.shardIds) {
    for (const band of bands) {
      const key = keyspace.index(shard, tenantId, band.index);
      batch.add(key, (p) => p.zrangebyscore(key, band.min, band.max));
    }
  }
  const replies = (await batch.exec()) as string[][];
  return [...new Set(replies.flat())].sort().map((customerId) => ({ tenantId, customerId }));
}

/**
 * Every customer of a tenant with a purchase (all of them are in the recency index), for a
 * rule that switches between the policy's absolute cuts and the tenant's own. Customers known
 * only from interactions are prospects whatever the cuts say.
 */
export async function readPurchasingCustomers(redis: RedisClient, keyspace: KeySpace, tenantId: string): Promise<CustomerRef[]> {
  const batch = new CommandBatch(redis);
  for (const shard of keyspace.shardIds) {
    const key = keyspace.index(shard, tenantId, 'recency');
    batch.add(key, (p) => p.zrange(key, 0, -1));
  }
  const replies = (await batch.exec()) as string[][];
  return replies.flat().sort().map((customerId) => ({ tenantId, customerId }));
}

/**
 * A tenant's purchasing customers one page at a time (per shard, `pageSize` at a time from its
 * recency index), for re-scores that must not hold everyone in memory at once.
 */
export async function* purchasingCustomerPages(redis: RedisClient, keyspace: KeySpace, tenantId: string, pageSize = 1_000): AsyncGenerator<CustomerRef[]> {
  for (const shard of keyspace.shardIds) {
    const key = keyspace.index(shard, tenantId, 'recency');
    for (let start = 0; ; start += pageSize) {
      const ids = await redis.zrange(key, start, start + pageSize - 1);
      if (ids.length > 0) yield ids.map((customerId) => ({ tenantId, customerId }));
      if (ids.length < pageSize) break;
    }
  }
}
