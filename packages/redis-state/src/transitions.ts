import { CommandBatch } from './batch.js';
import type { RedisClient } from './client.js';
import type { KeySpace } from './keys.js';

/** Days of transition counts kept behind the tenant's clock (the console looks back 90). */
export const TRANSITION_KEEP_DAYS = 100;

/**
 * Drops a tenant's transition counts of days more than TRANSITION_KEEP_DAYS before `clockDay`
 * on these shards (their day zsets say which exist): bounded memory when event time runs ahead
 * of wall time (a backfill of years), where the keys' expiry in wall time would keep them all.
 * Two round trips; returns how many days were dropped.
 */
export async function trimTransitionDays(redis: RedisClient, keyspace: KeySpace, tenantId: string, shards: readonly number[], clockDay: number): Promise<number> {
  const cutoff = clockDay - TRANSITION_KEEP_DAYS;
  const look = new CommandBatch(redis);
  for (const shard of shards) {
    const days = keyspace.transitions(shard, tenantId, 'days');
    look.add(days, (p) => p.zrangebyscore(days, '-inf', `(${cutoff}`));
  }
  const old = (await look.exec()) as string[][];
  const drop = new CommandBatch(redis);
  let dropped = 0;
  shards.forEach((shard, i) => {
    const stale = old[i] ?? [];
    if (stale.length === 0) return;
    const days = keyspace.transitions(shard, tenantId, 'days');
    const keys = stale.map((day) => keyspace.transitions(shard, tenantId, Number(day)));
    drop.add(days, (p) => p.unlink(...keys));
    drop.add(days, (p) => p.zremrangebyscore(days, '-inf', `(${cutoff}`));
    dropped += stale.length;
  });
  if (dropped > 0) await drop.exec();
  return dropped;
}
