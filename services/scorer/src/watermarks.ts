import { eventTimeWatermark } from '@bondstream/model';
import {
  CommandBatch, notePartitionTimes, parseInputPartitions, partitionField, raiseWatermark, reportInputPartitions, tenantPartitionTimes, type KeySpace, type RedisClient,
} from '@bondstream/redis-state';
import { fetchBacklogs, PollingLoop, type SourceBatch } from '@bondstream/kafka-runner';
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
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

  /**
   * Records every input partition of the group and whether the group has a backlog on it, as
   * the broker says (committed offset behind the end). At start, then every BACKLOG_REPORT_MS:
   * a partition whose first batch is still in flight, or that has no owner during a rebalance,
   * holds the watermark back instead of going idle. A batch's own report is fresher and wins
   * until the next of these.
   */
  async reportBacklogs(redis: RedisClient, backlogs: readonly { topic: string; partition: number; behind: boolean }[]): Promise<void> {
    if (backlogs.length === 0) return;
    const pipeline = redis.pipeline();
    reportInputPartitions(pipeline, this.keyspace, new Map(backlogs.map((b) => [partitionField(b.topic, b.partition), b.behind])), this.wallNow());
    await pipeline.exec();
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
    batch.add(this.keyspace.inputPartitions(), (p) => reportInputPartitions(p, this.keyspace, behind, wallNowMs));
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

/** How often each scorer asks the broker where the group stands on every input partition. */
const BACKLOG_REPORT_MS = 2_000;

/** The periodic backlog report of EventTimeWatermarks, on an admin connection of its own. */
export class BacklogReports {
  private readonly admin: Admin;
  private readonly loop: PollingLoop;
  private readonly report: () => Promise<void>;

  constructor(kafka: Kafka, groupId: string, topics: readonly string[], watermarks: EventTimeWatermarks, redis: RedisClient, logger: Logger) {
    this.admin = kafka.admin();
    this.report = async () => watermarks.reportBacklogs(redis, await fetchBacklogs(this.admin, groupId, topics));
    this.loop = new PollingLoop(async () => {
      await this.report();
      return 0;
    }, (error) => logger.warn({ err: error }, 'could not read the group\'s backlog per partition; the batches\' own reports stand'), BACKLOG_REPORT_MS);
  }

  /** Connects and reports once (every input partition is known before the first batch), then keeps reporting. */
  async start(): Promise<void> {
    await this.admin.connect();
    await this.report();
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.admin.disconnect();
  }
}
