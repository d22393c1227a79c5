import type { ChainableCommander } from 'ioredis';
import type { PartitionTime } from '@bondstream/model';
import type { RedisClient } from './client.js';
import type { KeySpace } from './keys.js';
import { callScript } from './scripts.js';
import { readDueCustomers } from './time-index.js';

/**
 * The stored pieces of the event-time watermark (CRM_CLOCK=event; the computation is
 * `eventTimeWatermark` in @bondstream/model):
 * - `<ns>:input-partitions`: every input partition of the scorers' group ("topic/partition")
 *   and whether its consumer had a backlog after its last applied batch ("1") or not ("0");
 * - `<ns>:partition-times:<tenant>`: per partition, the newest event time seen for the tenant
 *   and the wall time of that data;
 * - `<ns>:watermark:<tenant>`: the tenant's watermark, only ever raised.
 * They are read and written as separate commands (on a cluster, separate slots): a stale read
 * can only give a lower watermark, never a higher one, since newest times only grow.
 */

/** An input partition's field name in the watermark hashes. */
export const partitionField = (topic: string, partition: number): string => `${topic}/${partition}`;

/** Queues a monotonic raise of a tenant's event-time watermark. */
export function raiseWatermark(pipeline: ChainableCommander, keyspace: KeySpace, tenantId: string, candidateMs: number): void {
  callScript(pipeline, 'raiseWatermark', [keyspace.watermark(tenantId)], [candidateMs]);
}

export async function readWatermark(redis: RedisClient, keyspace: KeySpace, tenantId: string): Promise<number> {
  return Number((await redis.get(keyspace.watermark(tenantId))) ?? 0);
}

/** Queues the newest event time per partition (field → ms) of a consumed batch for a tenant. */
export function notePartitionTimes(
  pipeline: ChainableCommander, keyspace: KeySpace, tenantId: string, wallNowMs: number, newestByPartition: ReadonlyMap<string, number>,
): void {
  const args: (string | number)[] = [wallNowMs];
  for (const [field, newestMs] of newestByPartition) args.push(field, newestMs);
  callScript(pipeline, 'notePartitionTimes', [keyspace.partitionTimes(tenantId)], args);
}

/** Queues whether each partition's consumer was behind after the batches just applied. */
export function reportInputPartitions(
  pipeline: ChainableCommander, keyspace: KeySpace, behindByPartition: ReadonlyMap<string, boolean>, wallNowMs: number,
): void {
  const args: string[] = [];
  for (const [field, behind] of behindByPartition) args.push(field, `${behind ? '1' : '0'}:${wallNowMs}`);
  pipeline.hset(keyspace.inputPartitions(), ...args);
}

/** A partition's last backlog report: whether the group was behind, and when it was said. */
export interface BacklogReport {
  behind: boolean;
  reportedAtWallMs: number;
}

/** Parses `<ns>:input-partitions` (HGETALL): partition field → `behind:wallMs` (a bare `1`/`0` is a report of unknown time). */
export function parseInputPartitions(hash: Record<string, string>): Map<string, BacklogReport> {
  return new Map(Object.entries(hash).map(([field, value]) => {
    const [behind, at] = value.split(':');
    return [field, { behind: behind === '1', reportedAtWallMs: Number(at ?? 0) || 0 }];
  }));
}

/**
 * A tenant's partition times (HGETALL of its hash) over every input partition known: the input
 * of `eventTimeWatermark`. A partition with no data for the tenant counts as quiet since the
 * tenant was first seen; one known only from the tenant's hash (its registration was lost)
 * counts too.
 */
export function tenantPartitionTimes(hash: Record<string, string>, inputPartitions: ReadonlyMap<string, BacklogReport>): PartitionTime[] {
  const firstSeenMs = Number(hash.first ?? 0);
  const times: PartitionTime[] = [];
  for (const [field, report] of inputPartitions) {
    const value = hash[field];
    if (value === undefined) times.push({ newestEventMs: null, lastDataWallMs: firstSeenMs, ...report });
    else times.push({ ...parseTime(value), ...report });
  }
  for (const [field, value] of Object.entries(hash)) {
    if (field === 'first' || inputPartitions.has(field)) continue;
    const time = parseTime(value);
    times.push({ ...time, behind: false, reportedAtWallMs: time.lastDataWallMs });
  }
  return times;
}

/**
 * The newest event time recorded for a tenant on any input partition (-Infinity: none): where
 * the watermark ends once every partition is idle (a replay's end).
 */
export async function readNewestEventMs(redis: RedisClient, keyspace: KeySpace, tenantId: string): Promise<number> {
  const hash = await redis.hgetall(keyspace.partitionTimes(tenantId));
  return Math.max(-Infinity, ...Object.entries(hash).filter(([field]) => field !== 'first').map(([, value]) => parseTime(value).newestEventMs));
}

function parseTime(value: string): { newestEventMs: number; lastDataWallMs: number } {
  const colon = value.indexOf(':');
  return { newestEventMs: Number(value.slice(0, colon)), lastDataWallMs: Number(value.slice(colon + 1)) };
}

/**
 * Whether a tenant's event clock has settled: its watermark has reached the newest event seen
 * and no customer is due at or before it (the clock's re-evaluations are done). What a backfill,
 * a bench or a test waits for before it reads the final state.
 */
export async function eventClockSettled(redis: RedisClient, keyspace: KeySpace, tenantId: string): Promise<boolean> {
  const watermarkMs = await readWatermark(redis, keyspace, tenantId);
  if (watermarkMs === 0 || (await readNewestEventMs(redis, keyspace, tenantId)) > watermarkMs) return false;
  return (await readDueCustomers(redis, keyspace, tenantId, keyspace.shardIds, watermarkMs, 1)).length === 0;
}
