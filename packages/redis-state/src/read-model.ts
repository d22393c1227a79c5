import { DIMENSIONS, SEGMENTS, decodeState, type CustomerState, type Dimension } from '@bondstream/model';
import { CommandBatch } from './batch.js';
import type { RedisClient } from './client.js';
import type { CustomerRef, KeySpace } from './keys.js';

/** The stored state of one customer, or null when unknown. */
export async function readCustomerState(redis: RedisClient, keyspace: KeySpace, ref: CustomerRef): Promise<CustomerState | null> {
  // binary (format version 2): a string reply would lose its bytes ≥ 0x80
  const encoded = await redis.hgetBuffer(keyspace.customer(ref).state, 's');
  return encoded === null ? null : decodeState(encoded);
}

export type SegmentCounts = { [D in Dimension]: Record<string, number> };

/** Customers per segment value in each dimension, summed over the shards (one round trip). */
export async function readSegmentCounts(redis: RedisClient, keyspace: KeySpace, tenantId: string): Promise<SegmentCounts> {
  const batch = new CommandBatch(redis);
  for (const shard of keyspace.shardIds) {
    const key = keyspace.segmentCounts(shard, tenantId);
    batch.add(key, (p) => p.hgetall(key));
  }
  const replies = (await batch.exec()) as Record<string, string>[];
  const counts = Object.fromEntries(
    DIMENSIONS.map((d) => [d, Object.fromEntries(SEGMENTS[d].map((value) => [value, 0]))]),
  ) as SegmentCounts;
  for (const reply of replies) {
    for (const [key, count] of Object.entries(reply)) {
      const [dimension, value] = key.split(':') as [Dimension, string];
      const bucket = counts[dimension];
      if (bucket && value in bucket) bucket[value] = (bucket[value] ?? 0) + Number(count);
    }
  }
  return counts;
}
