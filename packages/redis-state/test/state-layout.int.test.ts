import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { CLUSTER_SLOTS, KeySpace, ShardCountMismatch, calculateSlot, openStateLayout, spacedShardTags, stateLayoutKey } from '@bondstream/redis-state';
import { startRedisWithClient, type RedisWithClient } from '@bondstream/testkit';

describe('spaced shard tags', () => {
  it('put shard i on slot ⌊(i + ½) × 16384 / shards⌋, each tag distinct', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 400 }), (shards) => {
      const tags = spacedShardTags(shards);
      expect(new Set(tags).size).toBe(shards);
      tags.forEach((tag, shard) => expect(calculateSlot(tag)).toBe(Math.floor(((shard + 0.5) * CLUSTER_SLOTS) / shards)));
    }), { numRuns: 30 });
  });

  it('give masters with equal slot ranges equal numbers of shards when the count is a multiple of the masters', () => {
    fc.assert(fc.property(fc.integer({ min: 3, max: 40 }), fc.integer({ min: 1, max: 16 }), (masters, perMaster) => {
      const keyspace = new KeySpace('n', masters * perMaster);
      const counts = new Array<number>(masters).fill(0);
      // redis-cli --cluster create: master m serves ⌊m × 16384 / masters⌋ up to the next master's first slot
      for (const shard of keyspace.shardIds) counts[Math.floor((calculateSlot(keyspace.outbox(shard)) * masters) / CLUSTER_SLOTS)]! += 1;
      expect(counts).toEqual(new Array<number>(masters).fill(perMaster));
    }), { numRuns: 40 });
  });

  it('keep every key of a shard in the shard\'s slot', () => {
    const keyspace = new KeySpace('n', 96);
    const keys = keyspace.customer({ tenantId: 't', customerId: 'c-1' });
    const slots = new Set(Object.values(keys).filter((v): v is string => typeof v === 'string').map(calculateSlot));
    expect(slots.size).toBe(1);
    expect(keyspace.outbox(keys.shard)).toMatch(/^n:\{s[0-9a-z]+\}:outbox$/);
  });
});

describe('a namespace\'s recorded layout (real redis-server)', () => {
  let local: RedisWithClient;
  let redis: Redis;
  beforeAll(async () => {
    local = await startRedisWithClient();
    redis = local.redis;
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('records a new namespace with spaced tags, and refuses another count naming both', async () => {
    const keyspace = await openStateLayout(redis, 'fresh', 48);
    expect([keyspace.shards, keyspace.tags]).toEqual([48, 'spaced']);
    expect(await redis.get(stateLayoutKey('fresh'))).toBe('48 spaced');
    await expect(openStateLayout(redis, 'fresh', 16)).rejects.toThrow(ShardCountMismatch);
    await expect(openStateLayout(redis, 'fresh', 16)).rejects.toThrow('REDIS_STATE_SHARDS is 16, but namespace "fresh" was created with 48 shards');
  });

  it('keeps a namespace written before the count was recorded on its 16 numbered shards', async () => {
    await redis.sadd('old:tenants', 'shop-1');
    await redis.hset('old:{s3}:c:shop-1:c-9', 'v', 4);
    const keyspace = await openStateLayout(redis, 'old', 16);
    expect(keyspace.tags).toBe('numbered');
    expect(keyspace.outbox(3)).toBe('old:{s3}:outbox');
    expect(await redis.get(stateLayoutKey('old'))).toBe('16 numbered');
    await expect(openStateLayout(redis, 'old', 96)).rejects.toThrow('created with 16 shards');
  });
});
