import type { RedisClient } from './client.js';
import { KeySpace } from './keys.js';
import type { ShardTags } from './shard-tags.js';

/** A service configured with another shard count than its namespace was created with. */
export class ShardCountMismatch extends Error {
  constructor(readonly namespace: string, readonly recorded: number, readonly configured: number) {
    super(`REDIS_STATE_SHARDS is ${configured}, but namespace ${JSON.stringify(namespace)} was created with ${recorded} shards; `
      + `set REDIS_STATE_SHARDS=${recorded} (a namespace keeps its shard count for life; a new count needs a fresh REDIS_NAMESPACE and a replay)`);
    this.name = 'ShardCountMismatch';
  }
}

/** Where a namespace records its shard count and tag naming: `"<count> <tags>"`, e.g. `"96 spaced"`. */
export const stateLayoutKey = (namespace: string): string => `${namespace}:state-shards`;

const RECORD = /^(\d+) (spaced|numbered)$/;

/**
 * The namespace's keyspace. A new namespace records the configured shard count with spaced tags
 * (SET NX: the first service to start decides); one written before the count was recorded (it
 * has tenants but no record) had 16 shards named `{s0}` … `{s15}`, and is recorded so. A
 * configured count other than the recorded one is refused: every customer's shard is its hash
 * mod the count, so two counts in one namespace would put one customer in two places.
 */
export async function openStateLayout(redis: RedisClient, namespace: string, shards: number): Promise<KeySpace> {
  const key = stateLayoutKey(namespace);
  let recorded = await redis.get(key);
  if (recorded === null) {
    const legacy = (await redis.exists(`${namespace}:tenants`)) === 1;
    await redis.set(key, legacy ? '16 numbered' : `${shards} spaced`, 'NX');
    recorded = await redis.get(key);
  }
  const match = RECORD.exec(recorded ?? '');
  if (match === null) throw new Error(`${key} holds ${JSON.stringify(recorded)}, not "<shards> spaced|numbered"`);
  const count = Number(match[1]);
  if (count !== shards) throw new ShardCountMismatch(namespace, count, shards);
  return new KeySpace(namespace, count, match[2] as ShardTags);
}
