import type { CustomerState, LifetimeModel } from '@bondstream/model';
import type { RedisClient } from './client.js';
import { CommandBatch } from './batch.js';
import { loadCustomers } from './customers.js';
import { callScript, defineScripts } from './scripts.js';
import type { KeySpace } from './keys.js';
import { CLOCK_LEASE_KIND } from './leases.js';

/**
 * A tenant's fitted lifetime model (DESIGN section 1, "Predicted value"), a versioned snapshot
 * like the thresholds: BG/NBD in days, Gamma-Gamma in major units (null when its fit was not
 * usable). Written by the scorer holding the tenant's model lease, read by every scorer and the
 * api.
 */
export interface LifetimeModelSnapshot {
  version: number;
  fittedAtMs: number;
  /** the tenant's evaluation time the customers' T were measured to */
  asOfMs: number;
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; customers: number };
  gammaGamma: { p: number; q: number; gamma: number; logLikelihood: number; customers: number } | null;
}

export async function readLifetimeModel(redis: RedisClient, keyspace: KeySpace, tenantId: string): Promise<LifetimeModelSnapshot | null> {
  const raw = await redis.get(keyspace.lifetimeModel(tenantId));
  return raw === null ? null : (JSON.parse(raw) as LifetimeModelSnapshot);
}

/** Several tenants' models in one round trip per node (null where a tenant has none). */
export async function readLifetimeModels(redis: RedisClient, keyspace: KeySpace, tenantIds: readonly string[]): Promise<Array<LifetimeModelSnapshot | null>> {
  const batch = new CommandBatch(redis);
  for (const tenantId of tenantIds) {
    const key = keyspace.lifetimeModel(tenantId);
    batch.add(key, (p) => p.get(key));
  }
  return ((await batch.exec()) as Array<string | null>).map((raw) => (raw === null ? null : (JSON.parse(raw) as LifetimeModelSnapshot)));
}

export async function writeLifetimeModel(redis: RedisClient, keyspace: KeySpace, tenantId: string, model: LifetimeModelSnapshot): Promise<void> {
  await redis.set(keyspace.lifetimeModel(tenantId), JSON.stringify(model));
}

/**
 * A uniform sample of at most `size` of the tenant's purchasing customers (every one when the
 * tenant has no more), as a refit reads them instead of the whole base: each shard's recency
 * index gives its share (ZRANDMEMBER, distinct members) in proportion to its size, and the
 * states are read in pages. Returns the states (customers deleted meanwhile are skipped).
 */
export async function samplePurchasingCustomers(redis: RedisClient, keyspace: KeySpace, tenantId: string, size: number): Promise<CustomerState[]> {
  const keys = keyspace.shardIds.map((shard) => keyspace.index(shard, tenantId, 'recency'));
  const sizing = new CommandBatch(redis);
  for (const key of keys) sizing.add(key, (p) => p.zcard(key));
  const counts = ((await sizing.exec()) as number[]).map(Number);
  const total = counts.reduce((n, c) => n + c, 0);
  const picking = new CommandBatch(redis);
  keys.forEach((key, shard) => {
    const count = counts[shard]!;
    if (count === 0) return;
    // all of a shard when the tenant fits the sample; otherwise the shard's share, rounded
    const share = total <= size ? count : Math.min(count, Math.round((size * count) / total));
    if (share > 0) picking.add(key, (p) => (share >= count ? p.zrange(key, 0, -1) : p.zrandmember(key, share)));
  });
  const ids = ((await picking.exec()) as string[][]).flat();
  const states: CustomerState[] = [];
  for (let i = 0; i < ids.length; i += SAMPLE_PAGE) {
    const page = await loadCustomers(redis, keyspace, ids.slice(i, i + SAMPLE_PAGE).map((customerId) => ({ ref: { tenantId, customerId }, eventIds: [] })));
    for (const customer of page) if (customer.state !== null) states.push(customer.state);
  }
  return states;
}

const SAMPLE_PAGE = 2_000;

/** The lease of the scorer that refits a tenant's model (one refit per tenant and interval). */
export async function acquireLifetimeModelLease(redis: RedisClient, keyspace: KeySpace, tenantId: string, token: string, ms: number): Promise<boolean> {
  defineScripts(redis);
  return (await callScript(redis, 'acquireLease', [keyspace.lifetimeModelLease(tenantId)], [token, ms])) === 1;
}

/**
 * Records that the scorer `token` scores the tenant with model `version` and that its writes
 * planned with an older one have landed. The scorer that refitted waits for every live scorer's
 * record before it re-scores, so no scorer overwrites a re-scored customer with old-model scores.
 */
export async function noteLifetimeModelAdopted(redis: RedisClient, keyspace: KeySpace, tenantId: string, token: string, version: number): Promise<void> {
  await redis.hset(keyspace.lifetimeModelAdopted(tenantId), token, version);
}

/**
 * The live scorers (members of the clock's lease registry, which every scorer renews every
 * second) that have not yet adopted `version` of the tenant's model. Forgets the records of
 * scorers that are gone, so the hash holds one field per live scorer.
 */
export async function scorersBehindLifetimeModel(redis: RedisClient, keyspace: KeySpace, tenantId: string, version: number): Promise<string[]> {
  const key = keyspace.lifetimeModelAdopted(tenantId);
  const [live, adopted] = await Promise.all([
    redis.zrangebyscore(keyspace.leaseMembers(CLOCK_LEASE_KIND), Date.now(), '+inf'),
    redis.hgetall(key),
  ]);
  const gone = Object.keys(adopted).filter((token) => !live.includes(token));
  if (gone.length > 0) await redis.hdel(key, ...gone);
  return live.filter((token) => !(Number(adopted[token] ?? 0) >= version));
}

/** The parameters scoring needs from a stored snapshot. */
export function scoringModelOf(snapshot: LifetimeModelSnapshot): LifetimeModel {
  const { r, alpha, a, b } = snapshot.bgnbd;
  const gg = snapshot.gammaGamma;
  return { version: snapshot.version, bgnbd: { r, alpha, a, b }, gammaGamma: gg && { p: gg.p, q: gg.q, gamma: gg.gamma } };
}
