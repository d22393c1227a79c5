import { createRequire } from 'node:module';

/** Redis Cluster's hash slots. */
export const CLUSTER_SLOTS = 16_384;

/** The Redis Cluster slot of a key: ioredis' own dependency (CRC16), which ships no types. */
export const calculateSlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;

/**
 * How a namespace names its shards' hash tags. `spaced` (every namespace created since the shard
 * count became a setting): tags whose slots are evenly spaced over the 16,384, so masters holding
 * equal contiguous slot ranges (what `redis-cli --cluster create` makes) hold equal numbers of
 * shards when the count is a multiple of the masters. `numbered`: `{s0}`, `{s1}`, … wherever
 * CRC16 puts them, as namespaces created before had them (16 shards).
 */
export type ShardTags = 'spaced' | 'numbered';

const spaced = new Map<number, readonly string[]>();

/**
 * The spaced tags of `shards` shards: shard i's tag hashes to slot ⌊(i + ½) × 16384 / shards⌋.
 * Found by trying `s0`, `s1`, … (base 36) until every wanted slot has one: about
 * 16,384 × ln(shards) tries at most, done once per shard count and process.
 */
export function spacedShardTags(shards: number): readonly string[] {
  let tags = spaced.get(shards);
  if (tags !== undefined) return tags;
  const wanted = new Map<number, number>();
  for (let shard = 0; shard < shards; shard++) wanted.set(Math.floor(((shard + 0.5) * CLUSTER_SLOTS) / shards), shard);
  const found = new Array<string>(shards);
  for (let n = 0, missing = shards; missing > 0; n++) {
    const tag = `s${n.toString(36)}`;
    const shard = wanted.get(calculateSlot(tag));
    if (shard !== undefined && found[shard] === undefined) {
      found[shard] = tag;
      missing--;
    }
  }
  tags = found;
  spaced.set(shards, tags);
  return tags;
}
