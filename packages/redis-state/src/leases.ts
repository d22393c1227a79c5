import { createHash } from 'node:crypto';
import { CommandBatch } from './batch.js';
import type { RedisClient } from './client.js';
import type { KeySpace } from './keys.js';
import { callScript } from './scripts.js';

/**
 * The kind of the clock's per-shard leases. Every scorer runs the clock and renews its
 * membership of this kind every second, so its member registry is the set of live scorers.
 */
export const CLOCK_LEASE_KIND = 'clock';

/** The per-shard leases of one kind of work: a stream's relay, the clock. */
export interface ShardLeases {
  /** names the kind's member registry (`<namespace>:lease-members:<kind>`) */
  kind: string;
  key(shard: number): string;
}

/**
 * Takes or renews a token's per-shard leases of one kind; returns the shards held. With several
 * processes each shard's work is done by one of them at a time, and each holds its fair share:
 * every holder registers in the kind's member set (expiring with its leases) and keeps at most
 * ⌈shards / live members⌉, giving back the rest for a newcomer to take at its next renewal. So a
 * second scorer takes half the outbox relay's work instead of idling beside the first, which
 * kept every shard it had leased. Two round trips: members and holders, then takes, renewals
 * and give-backs.
 */
export async function leaseShards(redis: RedisClient, keyspace: KeySpace, leases: ShardLeases, token: string, ms: number): Promise<number[]> {
  const members = keyspace.leaseMembers(leases.kind);
  const nowMs = Date.now();
  const look = new CommandBatch(redis);
  look.add(members, (p) => p.zadd(members, nowMs + ms, token));
  look.add(members, (p) => p.zremrangebyscore(members, '-inf', nowMs));
  look.add(members, (p) => p.zcard(members));
  for (const shard of keyspace.shardIds) {
    const key = leases.key(shard);
    look.add(key, (p) => p.get(key));
  }
  const replies = await look.exec();
  const fairShare = Math.ceil(keyspace.shards / Math.max(1, Number(replies[2])));
  const holders = replies.slice(3) as (string | null)[];
  const mine = keyspace.shardIds.filter((shard) => holders[shard] === token);
  // Free shards from an offset of the token's own, so that newcomers do not all race for the same ones.
  const offset = createHash('sha1').update(token).digest().readUInt32BE(0) % keyspace.shards;
  const free = keyspace.shardIds.map((_, i) => (i + offset) % keyspace.shards).filter((shard) => holders[shard] === null);
  const keep = mine.slice(0, fairShare);
  const wanted = [...keep, ...free.slice(0, Math.max(0, fairShare - keep.length))];
  const act = new CommandBatch(redis);
  for (const shard of wanted) {
    const key = leases.key(shard);
    act.add(key, (p) => callScript(p, 'acquireLease', [key], [token, ms]));
  }
  for (const shard of mine.slice(fairShare)) {
    const key = leases.key(shard);
    act.add(key, (p) => callScript(p, 'releaseLease', [key], [token]));
  }
  const held = (await act.exec()).slice(0, wanted.length);
  return wanted.filter((_, i) => held[i] === 1).sort((a, b) => a - b);
}

/** Gives back a token's leases of one kind (compare-and-delete: never another holder's) and leaves the member set. */
export async function releaseShards(redis: RedisClient, keyspace: KeySpace, leases: ShardLeases, token: string): Promise<void> {
  const batch = new CommandBatch(redis);
  const members = keyspace.leaseMembers(leases.kind);
  batch.add(members, (p) => p.zrem(members, token));
  for (const shard of keyspace.shardIds) {
    const key = leases.key(shard);
    batch.add(key, (p) => callScript(p, 'releaseLease', [key], [token]));
  }
  await batch.exec();
}
