import type { BandIndex, PopulationCounts, PopulationSample, ThresholdRanks, Thresholds } from '@bondstream/model';
import { CommandBatch } from './batch.js';
import type { RedisClient } from './client.js';
import type { IndexName, KeySpace } from './keys.js';
import { callScript, defineScripts } from './scripts.js';

const INDEXES: IndexName[] = ['recency', 'frequency', 'monetary', 'profit'];

/**
 * Members per index and round of readPopulation: a round reads at most this many from each of
 * the 64 index keys, so neither Redis (single-threaded) nor the scorer's event loop is held for
 * long by one reply; consumed batches get their turn between rounds.
 */
const POPULATION_PAGE = 500;

/**
 * Reads a tenant's whole population indexes (all shards), in rounds of one pipeline each:
 * O(customers). The reference a refresh's rank reads (readValuesAtRanks) are checked against, in
 * tests and tools; the scorer never calls it. Members written meanwhile may be read in a later page or not
 * at all.
 */
export async function readPopulation(redis: RedisClient, keyspace: KeySpace, tenantId: string): Promise<PopulationSample> {
  const sample: PopulationSample = { lastPurchaseDays: [], frequencies: [], monetaryCents: [], activeProfitsCents: [] };
  const targets = [sample.lastPurchaseDays, sample.frequencies, sample.monetaryCents, sample.activeProfitsCents];
  let open = Array.from({ length: keyspace.shards * INDEXES.length }, (_, i) => ({
    key: keyspace.index(Math.floor(i / INDEXES.length), tenantId, INDEXES[i % INDEXES.length] as IndexName),
    target: targets[i % INDEXES.length] as number[],
  }));
  for (let start = 0; open.length > 0; start += POPULATION_PAGE) {
    const batch = new CommandBatch(redis);
    for (const { key } of open) batch.add(key, (p) => p.zrange(key, start, start + POPULATION_PAGE - 1, 'WITHSCORES'));
    const replies = await batch.exec();
    open = open.filter(({ target }, i) => {
      const flat = replies[i] as string[];
      for (let j = 1; j < flat.length; j += 2) target.push(Number(flat[j]));
      return flat.length === 2 * POPULATION_PAGE;
    });
  }
  return sample;
}

/** The population index keys of a tenant, by index and shard. */
function indexKeys(keyspace: KeySpace, tenantId: string, index: BandIndex): string[] {
  return keyspace.shardIds.map((shard) => keyspace.index(shard, tenantId, index));
}

/** Customers in each of a tenant's population indexes (all shards), one round trip. */
export async function readPopulationCounts(redis: RedisClient, keyspace: KeySpace, tenantId: string): Promise<PopulationCounts> {
  const batch = new CommandBatch(redis);
  for (const index of INDEXES) for (const key of indexKeys(keyspace, tenantId, index)) batch.add(key, (p) => p.zcard(key));
  const replies = await batch.exec();
  const shards = keyspace.shards;
  const sum = (i: number) => replies.slice(i * shards, (i + 1) * shards).reduce<number>((total, n) => total + Number(n), 0);
  return { recency: sum(0), frequency: sum(1), monetary: sum(2), profit: sum(3) };
}

/**
 * The values at the given ascending ranks (1-based) of a tenant's population indexes, each index
 * spread over the shards' sorted sets: for each rank, the least integer x with at least `rank`
 * members scored ≤ x (the values are whole days, counts and cents), by a binary search between
 * the index's least and greatest score. Each step is one round trip of ZCOUNTs (O(log n) each)
 * for every rank still open, so a refresh costs a few dozen small replies whatever the
 * population, where reading the population grows with it (readPopulation). Under concurrent
 * writes a value may be of a population in between; the next refresh reads it again.
 */
export async function readValuesAtRanks(redis: RedisClient, keyspace: KeySpace, tenantId: string, ranks: ThresholdRanks): Promise<Map<string, number>> {
  const wanted = INDEXES.filter((index) => ranks[index].length > 0);
  const keys = new Map(wanted.map((index) => [index, indexKeys(keyspace, tenantId, index)]));
  const shards = keyspace.shards;
  const bounds = new CommandBatch(redis);
  for (const index of wanted) {
    for (const key of keys.get(index) as string[]) {
      bounds.add(key, (p) => p.zrange(key, 0, 0, 'WITHSCORES'));
      bounds.add(key, (p) => p.zrange(key, -1, -1, 'WITHSCORES'));
    }
  }
  const ends = await bounds.exec();
  const searches = wanted.flatMap((index, i) => {
    const scores = ends.slice(i * 2 * shards, (i + 1) * 2 * shards).flatMap((reply) => {
      const flat = reply as string[];
      return flat.length === 2 ? [Number(flat[1])] : [];
    });
    // ranks come from counts read just before: an index emptied since is a refresh to retry
    if (scores.length === 0) throw new Error(`population index ${index} of tenant ${tenantId} emptied during a thresholds refresh`);
    const low = Math.min(...scores);
    const high = Math.max(...scores);
    return ranks[index].map((rank) => ({ index, rank, low, high }));
  });
  for (let open = searches.filter((s) => s.low < s.high); open.length > 0; open = open.filter((s) => s.low < s.high)) {
    const batch = new CommandBatch(redis);
    const mids = open.map((search) => {
      const mid = Math.floor((search.low + search.high) / 2);
      for (const key of keys.get(search.index) as string[]) batch.add(key, (p) => p.zcount(key, '-inf', mid));
      return mid;
    });
    const counts = await batch.exec();
    open.forEach((search, i) => {
      const atOrBelow = counts.slice(i * shards, (i + 1) * shards).reduce<number>((total, n) => total + Number(n), 0);
      if (atOrBelow >= search.rank) search.high = mids[i] as number;
      else search.low = (mids[i] as number) + 1;
    });
  }
  return new Map(searches.map(({ index, rank, low }) => [rankKey(index, rank), low]));
}

/** The key of a (index, rank) pair in readValuesAtRanks' answer. */
export const rankKey = (index: BandIndex, rank: number): string => `${index}:${rank}`;

export async function readThresholds(redis: RedisClient, keyspace: KeySpace, tenantId: string): Promise<Thresholds | null> {
  const raw = await redis.get(keyspace.thresholds(tenantId));
  return raw === null ? null : (JSON.parse(raw) as Thresholds);
}

export async function writeThresholds(redis: RedisClient, keyspace: KeySpace, tenantId: string, thresholds: Thresholds): Promise<void> {
  await redis.set(keyspace.thresholds(tenantId), JSON.stringify(thresholds));
}

/** Only one scorer refreshes a tenant's thresholds per interval. */
export async function acquireThresholdsLease(redis: RedisClient, keyspace: KeySpace, tenantId: string, token: string, ms: number): Promise<boolean> {
  defineScripts(redis);
  return (await callScript(redis, 'acquireLease', [keyspace.thresholdsLease(tenantId)], [token, ms])) === 1;
}

export async function listTenants(redis: RedisClient, keyspace: KeySpace): Promise<string[]> {
  return (await redis.smembers(keyspace.tenants())).sort();
}
