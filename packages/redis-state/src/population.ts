import type { Redis } from 'ioredis';
import type { PopulationSample, Thresholds } from '@bondstream/model';
import { STATE_SHARDS, type IndexName, type KeySpace } from './keys.js';
import { callScript, defineScripts } from './scripts.js';
import { execOrThrow } from './customers.js';

const INDEXES: IndexName[] = ['recency', 'frequency', 'monetary', 'profit'];

/**
 * Reads a tenant's population indexes (all shards, one round trip) for a thresholds refresh.
 * This is O(customers) and runs on the refresh interval under a lease, never per event.
 */
export async function readPopulation(redis: Redis, keyspace: KeySpace, tenantId: string): Promise<PopulationSample> {
  const pipeline = redis.pipeline();
  for (let shard = 0; shard < STATE_SHARDS; shard++) {
    for (const name of INDEXES) pipeline.zrange(keyspace.index(shard, tenantId, name), 0, -1, 'WITHSCORES');
  }
  const replies = await execOrThrow(pipeline);
  const sample: PopulationSample = { lastPurchaseDays: [], frequencies: [], monetaryCents: [], activeProfitsCents: [] };
  const targets = [sample.lastPurchaseDays, sample.frequencies, sample.monetaryCents, sample.activeProfitsCents];
  replies.forEach((reply, i) => {
    const target = targets[i % INDEXES.length] as number[];
    const flat = reply as string[];
    for (let j = 1; j < flat.length; j += 2) target.push(Number(flat[j]));
  });
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
