import type { LifetimeModel } from '@bondstream/model';
import type { RedisClient } from './client.js';
import { CommandBatch } from './batch.js';
import { callScript, defineScripts } from './scripts.js';
import type { KeySpace } from './keys.js';

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

export async function writeLifetimeModel(redis: RedisClient, keyspace: KeySpace, tenantId: string, model: LifetimeModelSnapshot): Promise<void> {
  await redis.set(keyspace.lifetimeModel(tenantId), JSON.stringify(model));
}

/** A tenant's lifetime-model cells over every shard: cell → customers (see `lifetimeCells` of @bondstream/model). */
export async function readLifetimeCells(redis: RedisClient, keyspace: KeySpace, tenantId: string): Promise<Map<string, number>> {
  const batch = new CommandBatch(redis);
  for (const shard of keyspace.shardIds) {
    const key = keyspace.lifetimeCells(shard, tenantId);
    batch.add(key, (p) => p.hgetall(key));
  }
  const cells = new Map<string, number>();
  for (const hash of (await batch.exec()) as Record<string, string>[]) {
    for (const [cell, count] of Object.entries(hash)) cells.set(cell, (cells.get(cell) ?? 0) + Number(count));
  }
  return cells;
}

/** The lease of the scorer that refits a tenant's model (one refit per tenant and interval). */
export async function acquireLifetimeModelLease(redis: RedisClient, keyspace: KeySpace, tenantId: string, token: string, ms: number): Promise<boolean> {
  defineScripts(redis);
  return (await callScript(redis, 'acquireLease', [keyspace.lifetimeModelLease(tenantId)], [token, ms])) === 1;
}

/** The parameters scoring needs from a stored snapshot. */
export function scoringModelOf(snapshot: LifetimeModelSnapshot): LifetimeModel {
  const { r, alpha, a, b } = snapshot.bgnbd;
  const gg = snapshot.gammaGamma;
  return { version: snapshot.version, bgnbd: { r, alpha, a, b }, gammaGamma: gg && { p: gg.p, q: gg.q, gamma: gg.gamma } };
}
