import type { RedisClient } from './client.js';
import type { KeySpace } from './keys.js';

/** A service configured with another shard count than its namespace was created with. */
export class ShardCountMismatch extends Error {
  constructor(readonly namespace: string, readonly recorded: number, readonly configured: number) {
    super(`REDIS_STATE_SHARDS is ${configured}, but namespace ${JSON.stringify(namespace)} was created with ${recorded} shards; `
      + `set REDIS_STATE_SHARDS=${recorded} (a namespace keeps its shard count for life; a new count needs a fresh REDIS_NAMESPACE and a replay)`);
    this.name = 'ShardCountMismatch';
  }
}

/**
 * Records the keyspace's shard count when the namespace is new (SET NX, so the first service to
 * start decides), or checks it against the recorded one: every customer's shard is its hash mod
 * the count, so two counts in one namespace would put one customer in two places.
 */
export async function claimShardCount(redis: RedisClient, keyspace: KeySpace): Promise<void> {
  const key = keyspace.stateShards();
  await redis.set(key, String(keyspace.shards), 'NX');
  const recorded = Number(await redis.get(key));
  if (recorded !== keyspace.shards) throw new ShardCountMismatch(keyspace.namespace, recorded, keyspace.shards);
}
