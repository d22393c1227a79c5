import { eventTimeWatermark } from '@bondstream/model';
import {
  CommandBatch, notePartitionTimes, parseInputPartitions, partitionField, raiseWatermark, registerInputPartitions,
  reportInputPartitions, tenantPartitionTimes, type KeySpace, type RedisClient,
} from '@bondstream/redis-state';
import type { SourceBatch } from '@bondstream/kafka-runner';
import type { AcceptedEvent } from './classify.js';

/**
 * The shared event-time watermarks (CRM_CLOCK=event): every consumed batch records, per tenant,
 * the newest event time of each input partition and whether the partition's consumer is behind;
 * the clock loop of every scorer computes each tenant's watermark from what all of them
 * recorded (`eventTimeWatermark`: the minimum over partitions that are not idle) and raises the
 * stored one. So a partition owned by another scorer counts, and a rebalance or a restart
 * loses nothing: it is all in Redis.
 */
export class EventTimeWatermarks {
  constructor(
    private readonly keyspace: KeySpace,
    private readonly idleMs: number,
    private readonly wallNow: () => number = Date.now,
  ) {}

  /** Records the group's input partitions (from the topics' metadata) once at start. */
  async registerPartitions(redis: RedisClient, partitions: readonly { topic: string; partition: number }[]): Promise<void> {
    await registerInputPartitions(redis, this.keyspace, partitions.map((p) => partitionField(p.topic, p.partition)));
  }

  /** Records what applied batches tell about event time (one round trip; none without batches). */
  async recordBatches(redis: RedisClient, sources: readonly SourceBatch<AcceptedEvent>[]): Promise<void> {
    if (sources.length === 0) return;
    const batch = new CommandBatch(redis);
    const newest = new Map<string, Map<string, number>>();
    const behind = new Map<string, boolean>();
    for (const source of sources) {
      const field = partitionField(source.topic, source.partition);
      behind.set(field, source.behind); // the last batch of a partition says where it is now
      for (const { tenantId, event } of source.accepted) {
        let perPartition = newest.get(tenantId);
        if (perPartition === undefined) newest.set(tenantId, (perPartition = new Map()));
        if (event.occurredAtMs > (perPartition.get(field) ?? -Infinity)) perPartition.set(field, event.occurredAtMs);
      }
    }
    const wallNowMs = this.wallNow();
    for (const [tenantId, perPartition] of newest) {
      const key = this.keyspace.partitionTimes(tenantId);
      batch.add(key, (p) => notePartitionTimes(p, this.keyspace, tenantId, wallNowMs, perPartition));
    }
    batch.add(this.keyspace.inputPartitions(), (p) => reportInputPartitions(p, this.keyspace, behind));
    await batch.exec();
  }

  /**
   * Computes the tenants' watermarks from what every scorer recorded and raises the stored ones
   * (two round trips: read, then raise where it moved). Returns each tenant's stored watermark
   * and the largest gap between a tenant's newest event and its watermark.
   */
  async advance(redis: RedisClient, tenants: readonly string[]): Promise<{ watermarks: Map<string, number>; heldBackMs: number }> {
    const watermarks = new Map<string, number>();
    let heldBackMs = 0;
    if (tenants.length === 0) return { watermarks, heldBackMs };
    const read = new CommandBatch(redis);
    read.add(this.keyspace.inputPartitions(), (p) => p.hgetall(this.keyspace.inputPartitions()));
    for (const tenantId of tenants) {
      read.add(this.keyspace.partitionTimes(tenantId), (p) => p.hgetall(this.keyspace.partitionTimes(tenantId)));
      read.add(this.keyspace.watermark(tenantId), (p) => p.get(this.keyspace.watermark(tenantId)));
    }
    const replies = await read.exec();
    const inputPartitions = parseInputPartitions(replies[0] as Record<string, string>);
    const wallNowMs = this.wallNow();
    const raises: { tenantId: string; candidateMs: number }[] = [];
    tenants.forEach((tenantId, i) => {
      const storedMs = Number(replies[2 * i + 2] ?? 0);
      watermarks.set(tenantId, storedMs);
      const times = tenantPartitionTimes(replies[2 * i + 1] as Record<string, string>, inputPartitions);
      const candidateMs = eventTimeWatermark(times, wallNowMs, this.idleMs);
      if (candidateMs !== null && candidateMs > storedMs) raises.push({ tenantId, candidateMs });
      const newestMs = Math.max(...times.map((t) => t.newestEventMs ?? -Infinity));
      heldBackMs = Math.max(heldBackMs, newestMs - Math.max(storedMs, candidateMs ?? 0));
    });
    if (raises.length === 0) return { watermarks, heldBackMs };
    const raise = new CommandBatch(redis);
    for (const { tenantId, candidateMs } of raises) {
      raise.add(this.keyspace.watermark(tenantId), (p) => raiseWatermark(p, this.keyspace, tenantId, candidateMs));
    }
    const before = await raise.exec();
    raises.forEach(({ tenantId, candidateMs }, i) => watermarks.set(tenantId, Math.max(Number(before[i]), candidateMs)));
    return { watermarks, heldBackMs };
  }
}
