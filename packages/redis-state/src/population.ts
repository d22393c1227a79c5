import type { Redis } from 'ioredis';
import type { PopulationSample, Thresholds } from '@bondstream/model';
import { STATE_SHARDS, type IndexName, type KeySpace } from './keys.js';
import { callScript, defineScripts } from './scripts.js';
import { execOrThrow } from './customers.js';

const INDEXES: IndexName[] = ['recency', 'frequency', 'monetary', 'profit'];

/**
 * Members per index and round of readPopulation: a round reads at most this many from each of
 * the 64 index keys, so neither Redis (single-threaded) nor the scorer's event loop is held for
 * long by one reply; consumed batches get their turn between rounds.
 */
const POPULATION_PAGE = 500;

/**
 * Reads a tenant's population indexes (all shards) for a thresholds refresh, in rounds of one
 * pipeline each. This is O(customers) and runs on the refresh interval under a lease, never per
 * event. Members written meanwhile may be read in a later page or not at all: the snapshot is
 * of a population that moves anyway, and the next refresh sees them.
 */
export async function readPopulation(redis: Redis, keyspace: KeySpace, tenantId: string): Promise<PopulationSample> {
  const sample: PopulationSample = { lastPurchaseDays: [], frequencies: [], monetaryCents: [], activeProfitsCents: [] };
  const targets = [sample.lastPurchaseDays, sample.frequencies, sample.monetaryCents, sample.activeProfitsCents];
  let open = Array.from({ length: STATE_SHARDS * INDEXES.length }, (_, i) => ({
    key: keyspace.index(Math.floor(i / INDEXES.length), tenantId, INDEXES[i % INDEXES.length] as IndexName),
    target: targets[i % INDEXES.length] as number[],
  }));
  for (let start = 0; open.length > 0; start += POPULATION_PAGE) {
    const pipeline = redis.pipeline();
    for (const { key } of open) pipeline.zrange(key, start, start + POPULATION_PAGE - 1, 'WITHSCORES');
    const replies = await execOrThrow(pipeline);
    open = open.filter(({ target }, i) => {
      const flat = replies[i] as string[];
      for (let j = 1; j < flat.length; j += 2) target.push(Number(flat[j]));
      return flat.length === 2 * POPULATION_PAGE;
    });
  }
  return sample;
}

export async function readThresholds(redis: Redis, keyspace: KeySpace, tenantId: string): Promise<Thresholds | null> {
  const raw = await redis.get(keyspace.thresholds(tenantId));
  return raw === null ? null : (JSON.parse(raw) as Thresholds);
}

export async function writeThresholds(redis: Redis, keyspace: KeySpace, tenantId: string, thresholds: Thresholds): Promise<void> {
  await redis.set(keyspace.thresholds(tenantId), JSON.stringify(thresholds));
}

/** Only one scorer refreshes a tenant's thresholds per interval. */
export async function acquireThresholdsLease(redis: Redis, keyspace: KeySpace, tenantId: string, token: string, ms: number): Promise<boolean> {
  defineScripts(redis);
  return (await callScript(redis, 'acquireLease', [keyspace.thresholdsLease(tenantId)], [token, ms])) === 1;
}

export async function listTenants(redis: Redis, keyspace: KeySpace): Promise<string[]> {
  return (await redis.smembers(keyspace.tenants())).sort();
}
