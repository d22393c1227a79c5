import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeySpace, leaseShards, releaseShards, type ShardLeases } from '@bondstream/redis-state';
import { startRedisWithClient, type RedisWithClient } from '@bondstream/testkit';

describe('per-shard leases (real redis-server)', () => {
  let local: RedisWithClient;
  beforeAll(async () => {
    local = await startRedisWithClient();
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('gives each live holder its fair share, and a leaver\'s shards to the others', async () => {
    const keyspace = new KeySpace('fair', 24);
    const leases: ShardLeases = { kind: 'relay', key: (shard) => keyspace.relayLease(shard) };
    const renew = (token: string) => leaseShards(local.redis, keyspace, leases, token, 60_000);
    expect(await renew('a')).toHaveLength(24); // alone: everything
    expect(await renew('b')).toEqual([]); // all held; b is a member now
    expect(await renew('a')).toHaveLength(12); // gives back what exceeds ⌈24 / 2⌉
    const b = await renew('b');
    expect(b).toHaveLength(12);
    await renew('c');
    const [a, b2, c] = [await renew('a'), await renew('b'), await renew('c')];
    expect([a.length, b2.length]).toEqual([8, 8]);
    expect(c).toHaveLength(8);
    expect(new Set([...a, ...b2, ...c]).size).toBe(24); // one holder per shard
    await releaseShards(local.redis, keyspace, leases, 'c');
    const after = [await renew('a'), await renew('b')];
    expect(after.map((held) => held.length)).toEqual([12, 12]);
    expect(new Set(after.flat()).size).toBe(24);
  });

  it('counts only members whose leases have not expired', async () => {
    const keyspace = new KeySpace('expiry', 16);
    const leases: ShardLeases = { kind: 'clock', key: (shard) => keyspace.clockLease(shard) };
    expect(await leaseShards(local.redis, keyspace, leases, 'gone', 1)).toHaveLength(16);
    await local.redis.zadd(keyspace.leaseMembers('clock'), 0, 'gone'); // its registration lapsed
    await local.redis.del(...keyspace.shardIds.map((shard) => keyspace.clockLease(shard))); // so did its leases
    expect(await leaseShards(local.redis, keyspace, leases, 'here', 60_000)).toHaveLength(16);
  });
});
