import type { Redis } from 'ioredis';
import { DIMENSIONS, SEGMENTS, decodeState, type CustomerState, type Dimension } from '@bondstream/model';
import { STATE_SHARDS, type CustomerRef, type KeySpace } from './keys.js';
import { execOrThrow } from './customers.js';

/** The stored state of one customer, or null when unknown. */
export async function readCustomerState(redis: Redis, keyspace: KeySpace, ref: CustomerRef): Promise<CustomerState | null> {
  const encoded = await redis.hget(keyspace.customer(ref).state, 's');
  return encoded === null ? null : decodeState(encoded);
}

export type SegmentCounts = { [D in Dimension]: Record<string, number> };

/** Customers per segment value in each dimension, summed over the shards (one round trip). */
export async function readSegmentCounts(redis: Redis, keyspace: KeySpace, tenantId: string): Promise<SegmentCounts> {
  const pipeline = redis.pipeline();
  for (let shard = 0; shard < STATE_SHARDS; shard++) pipeline.hgetall(keyspace.segmentCounts(shard, tenantId));
  const replies = (await execOrThrow(pipeline)) as Record<string, string>[];
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
