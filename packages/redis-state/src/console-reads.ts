import { decodeActions, decodeChanges, decodeState, type CustomerState, type HistoryAction, type HistoryChange } from '@bondstream/model';
import { CommandBatch } from './batch.js';
import type { RedisClient } from './client.js';
import type { CustomerRef, KeySpace } from './keys.js';

/**
 * What the console reads beyond profiles and counts: a tenant's transition counts per day, the
 * most profitable customers, and a customer's recent history. Bounded reads: days × shards
 * small hashes, `limit` members per shard, one customer's fields.
 */

/** One transition's count: `from` null for a first assignment. */
export interface TransitionCount {
  dimension: string;
  from: string | null;
  to: string;
  count: number;
}

/** A tenant's transition counts per UTC day, for the days fromDay..toDay (inclusive), summed over shards. */
export async function readTransitionsByDay(
  redis: RedisClient, keyspace: KeySpace, tenantId: string, fromDay: number, toDay: number,
): Promise<Map<number, TransitionCount[]>> {
  const batch = new CommandBatch(redis);
  const days: number[] = [];
  for (let day = fromDay; day <= toDay; day++) {
    days.push(day);
    for (const shard of keyspace.shardIds) {
      const key = keyspace.transitions(shard, tenantId, day);
      batch.add(key, (p) => p.hgetall(key));
    }
  }
  const replies = (await batch.exec()) as Record<string, string>[];
  const byDay = new Map<number, TransitionCount[]>();
  days.forEach((day, d) => {
    const sums = new Map<string, number>();
    for (let s = 0; s < keyspace.shards; s++) {
      for (const [field, count] of Object.entries(replies[d * keyspace.shards + s] ?? {})) sums.set(field, (sums.get(field) ?? 0) + Number(count));
    }
    const counts: TransitionCount[] = [];
    for (const [field, count] of sums) {
      const parsed = /^([^:]+):([^>]*)>(.+)$/.exec(field);
      if (parsed && count !== 0) counts.push({ dimension: parsed[1]!, from: parsed[2] === '' ? null : parsed[2]!, to: parsed[3]!, count });
    }
    byDay.set(day, counts);
  });
  return byDay;
}

/** The tenant's `limit` customers with the highest window profit, best first, with their states. */
export async function readTopProfitCustomers(
  redis: RedisClient, keyspace: KeySpace, tenantId: string, limit: number,
): Promise<Array<{ customerId: string; state: CustomerState }>> {
  const top = new CommandBatch(redis);
  for (const shard of keyspace.shardIds) {
    const key = keyspace.index(shard, tenantId, 'profit');
    top.add(key, (p) => p.zrevrange(key, 0, limit - 1, 'WITHSCORES'));
  }
  const candidates: Array<{ customerId: string; profit: number }> = [];
  for (const flat of (await top.exec()) as string[][]) {
    for (let i = 0; i < flat.length; i += 2) candidates.push({ customerId: flat[i]!, profit: Number(flat[i + 1]) });
  }
  candidates.sort((a, b) => b.profit - a.profit || a.customerId.localeCompare(b.customerId));
  const chosen = candidates.slice(0, limit);
  const states = new CommandBatch(redis);
  for (const { customerId } of chosen) {
    const key = keyspace.customer({ tenantId, customerId }).state;
    states.add(key, (p) => p.hgetBuffer(key, 's')); // binary state: Buffer replies
  }
  const encoded = (await states.exec()) as Array<Buffer | null>;
  return chosen.flatMap(({ customerId }, i) => (encoded[i] ? [{ customerId, state: decodeState(encoded[i]!) }] : []));
}

/** A customer's recent segment changes and actions, newest first (null: no such customer). */
export async function readCustomerHistory(
  redis: RedisClient, keyspace: KeySpace, ref: CustomerRef,
): Promise<{ segmentChanges: HistoryChange[]; actions: HistoryAction[] } | null> {
  const [version, changes, actions] = await redis.hmget(keyspace.customer(ref).state, 'v', 'h', 'a');
  if (version === null && changes === null && actions === null) return null;
  return { segmentChanges: decodeChanges(changes ?? null), actions: decodeActions(actions ?? null) };
}
