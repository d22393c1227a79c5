import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { PollingLoop } from './polling-loop.js';
import { Waiter } from './backoff.js';

/** Where the relay reads from: the Redis outbox (packages/redis-state OutboxStore fits). */
export interface OutboxSource {
  leaseShards(): Promise<number[]>;
  /** Deletes each shard's entries up to and including the id; false for a shard whose lease was lost. */
  ackThrough(lastIds: ReadonlyMap<number, string>): Promise<Map<number, boolean>>;
  /**
   * ackThrough(trims), then the oldest entries of each shard, oldest first, in one round trip;
   * with `writtenBeforeMs`, only entries written before then.
   */
  trimThenRead(trims: ReadonlyMap<number, string>, shards: readonly number[], perShard: number, writtenBeforeMs?: number): Promise<{
    trimmed: Map<number, boolean>; entries: Map<number, { id: string; event: Buffer }[]>;
  }>;
  /** Deletes entries the fast path published (needed only with `graceMs`). */
  deletePublished?(entries: readonly { shard: number; id: string; changes: number }[]): Promise<void>;
  release(): Promise<void>;
}

/** An outbox entry its writer hands to the relay right after the write (the fast path). */
export interface WrittenEntry {
  shard: number;
  id: string;
  /** the stored events it holds, in order */
  events: Buffer[];
}

/** A message as kafkajs takes it. */
export interface RelayMessage {
  key: string | Buffer;
  value: Buffer;
}

export interface OutboxRelayOptions {
  source: OutboxSource;
  producer: Producer;
  topic: string;
  /** Turns stored entries into the Kafka messages, in order (adds emittedAt, JSON or Avro). */
  encode(storedEvents: readonly Buffer[]): Promise<RelayMessage[]>;
  logger: Logger;
  metrics: { published: Counter; errors: Counter<'stage'> };
  /** How often leases are renewed; they are taken for three times this. */
  leaseRefreshMs?: number;
  /** Poll interval when idle and nobody calls wake(). */
  idleMs?: number;
  /**
   * Pause between two busy cycles (default 5 ms, librdkafka's linger.ms): under load each
   * produce request then carries what gathered meanwhile, not a trickle of single changes.
   */
  lingerMs?: number;
  perShard?: number;
  /**
   * How often every held shard is read, whether or not this process wrote to it (default 1 s):
   * other processes write to shards whose lease this relay holds, and a lease taken over may
   * come with a backlog. Between sweeps a cycle reads only the shards wake() named and those
   * with entries left, so idle shards cost nothing per cycle.
   */
  sweepMs?: number;
  /**
   * With a fast path (publishWritten): the sweep publishes only entries older than this, and
   * leaves younger ones to the process that wrote them and is publishing them itself. 0 (the
   * default): no fast path, every entry is the sweep's.
   */
  graceMs?: number;
  /** Called after the fast path's produce was acknowledged, with what it carried. */
  onFastPublished?(entries: readonly WrittenEntry[]): void;
  /**
   * Fast path: at most one delete of published entries per this many ms (default 50), carrying
   * all acknowledged meanwhile. Nothing waits for a delete (only the sweep, graceMs later, would
   * see an entry still there), so at a low, steady rate one call per produce request was a Redis
   * round trip and script call per few changes for nothing.
   */
  deleteIntervalMs?: number;
}

/**
 * Publishes segment changes from the Redis outbox to Kafka: read, produce with acks=all, then
 * delete. What a cycle published is deleted in the next cycle's read round trip (or at stop and
 * drain), so a cycle costs one Redis round trip, not two. A crash between produce and delete
 * publishes the entries again (at-least-once; the event id is deterministic, so consumers
 * deduplicate).
 */
export class OutboxRelay {
  private readonly loop: PollingLoop;
  private shards: number[] = [];
  private leasedAt = 0;
  /** shards written since they were last read (wake), or with entries left after a read */
  private readonly dirty = new Set<number>();
  private sweptAt = 0;
  /** per shard, the last entry published and not yet deleted */
  private published = new Map<number, string>();
  /** fast path: entries handed over and not yet sent, the send in flight, deletes pending */
  private fastQueue: WrittenEntry[] = [];
  private fastSending: Promise<void> | null = null;
  private toDelete: { shard: number; id: string; changes: number }[] = [];
  private deleting: Promise<void> | null = null;
  private deletedAt = -Infinity;
  private readonly deleteWaiter = new Waiter();
  /** stop() or drain(): deletes go out at once */
  private settling = false;

  constructor(private readonly options: OutboxRelayOptions) {
    this.loop = new PollingLoop(() => this.publishOnce(), (error) => {
      options.metrics.errors.inc({ stage: 'relay' });
      options.logger.error({ err: error }, 'outbox relay failed, retrying');
    }, options.idleMs ?? 100, options.lingerMs ?? 5);
  }

  start(): void {
    this.loop.start();
  }

  /**
   * Something was just written to the outbox (to these shards; all held shards when not named):
   * publish now instead of at the next poll.
   */
  wake(shards?: Iterable<number>): void {
    if (shards === undefined) this.sweptAt = 0;
    else for (const shard of shards) this.dirty.add(shard);
    this.loop.wake();
  }

  /**
   * The fast path: entries the caller has just written, published now in one produce request
   * (what arrives while one is in flight goes in the next, so under load requests grow instead
   * of queueing), then deleted from the outbox. A failure leaves them to the sweep, after
   * graceMs: nothing is lost, at worst published twice (deterministic ids).
   */
  publishWritten(entries: readonly WrittenEntry[]): void {
    this.fastQueue.push(...entries);
    this.fastSending ??= this.sendWritten().finally(() => {
      this.fastSending = null;
    });
  }

  private async sendWritten(): Promise<void> {
    const { producer, topic, metrics, logger } = this.options;
    while (this.fastQueue.length > 0) {
      const entries = this.fastQueue;
      this.fastQueue = [];
      try {
        const messages = await this.options.encode(entries.flatMap((e) => e.events));
        await producer.send({ topic, acks: -1, messages });
        metrics.published.inc(messages.length);
        this.options.onFastPublished?.(entries);
        for (const e of entries) this.toDelete.push({ shard: e.shard, id: e.id, changes: e.events.length });
        this.deleting ??= this.deleteWritten().finally(() => {
          this.deleting = null;
        });
      } catch (error) {
        metrics.errors.inc({ stage: 'relay' });
        logger.warn({ err: error, entries: entries.length }, 'fast path failed; the relay publishes these entries after its grace period');
      }
    }
  }

  private async deleteWritten(): Promise<void> {
    const deletePublished = this.options.source.deletePublished?.bind(this.options.source);
    const intervalMs = this.options.deleteIntervalMs ?? 50;
    while (this.toDelete.length > 0) {
      const waitMs = this.deletedAt + intervalMs - performance.now();
      if (waitMs > 0 && !this.settling) await this.deleteWaiter.wait(waitMs);
      this.deletedAt = performance.now();
      const entries = this.toDelete;
      this.toDelete = [];
      if (deletePublished === undefined) continue;
      await deletePublished(entries).catch((error: unknown) => {
        this.options.metrics.errors.inc({ stage: 'relay' });
        this.options.logger.warn({ err: error }, 'published outbox entries not deleted; the relay publishes them again after its grace period');
      });
    }
  }

  /** Waits for the fast path's sends and deletes in flight. */
  private async settleFastPath(): Promise<void> {
    this.settling = true;
    try {
      while (this.fastSending !== null || this.deleting !== null) {
        this.deleteWaiter.wake();
        await Promise.all([this.fastSending, this.deleting]);
      }
    } finally {
      this.settling = false;
    }
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.settleFastPath();
    await this.deletePublished().catch((error: unknown) => this.options.logger.warn({ err: error }, 'published outbox entries not deleted; the next relay publishes them again'));
    await this.options.source.release().catch(() => undefined);
  }

  /** Publishes until the outbox is empty (used on shutdown and in tests). */
  async drain(): Promise<void> {
    await this.settleFastPath();
    for (;;) {
      this.sweptAt = 0; // every held shard, not only the ones written lately
      if ((await this.publishOnce(true)) === 0) break;
    }
    await this.deletePublished();
  }

  private async deletePublished(): Promise<void> {
    if (this.published.size === 0) return;
    this.dropLost(await this.options.source.ackThrough(this.published));
    this.published = new Map();
  }

  /** Forgets the shards whose lease another relay took (it continues them). */
  private dropLost(trimmed: ReadonlyMap<number, boolean>): Set<number> {
    const lost = new Set<number>();
    for (const [shard, held] of trimmed) {
      if (held) continue;
      lost.add(shard);
      this.options.logger.warn({ shard }, 'relay lease lost; another relay continues this shard');
    }
    if (lost.size > 0) this.shards = this.shards.filter((s) => !lost.has(s));
    return lost;
  }

  /**
   * One read-produce-delete cycle; returns how many entries it published. `all`: whatever the
   * grace period (drain).
   */
  async publishOnce(all = false): Promise<number> {
    const { source, producer, topic, metrics } = this.options;
    const refreshMs = this.options.leaseRefreshMs ?? 2_000;
    if (Date.now() - this.leasedAt >= refreshMs) {
      this.shards = await source.leaseShards();
      this.leasedAt = Date.now();
    }
    if (this.shards.length === 0) return 0;
    const perShard = this.options.perShard ?? 500;
    let reading: number[];
    if (Date.now() - this.sweptAt >= (this.options.sweepMs ?? 1_000)) {
      reading = this.shards;
      this.sweptAt = Date.now();
    } else {
      reading = this.shards.filter((shard) => this.dirty.has(shard));
    }
    this.dirty.clear();
    if (reading.length === 0 && this.published.size === 0) return 0;
    const graceMs = all ? 0 : (this.options.graceMs ?? 0);
    const { trimmed, entries } = await source.trimThenRead(this.published, reading, perShard, graceMs > 0 ? Date.now() - graceMs : undefined);
    this.published = new Map();
    // read without the lease (another relay holds it now): not ours to publish
    for (const shard of this.dropLost(trimmed)) entries.delete(shard);
    if (entries.size === 0) return 0;
    const stored: Buffer[] = [];
    const lastIds = new Map<number, string>();
    for (const [shard, rows] of entries) {
      lastIds.set(shard, (rows[rows.length - 1] as { id: string }).id);
      if (rows.length >= perShard) this.dirty.add(shard); // more behind these: read again next cycle
      for (const row of rows) stored.push(row.event);
    }
    const messages = await this.options.encode(stored);
    // One request: Kafka keeps the order of messages per partition within it.
    await producer.send({ topic, acks: -1, messages });
    this.published = lastIds;
    metrics.published.inc(messages.length);
    return messages.length;
  }
}
