import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { backoffMs, Waiter } from './backoff.js';
import type { DeadLetterPublisher } from './dead-letters.js';
import type { DeadLetter, SourceMessage } from './messages.js';
import { DEFAULT_COMMIT_INTERVAL_MS, OffsetCommitter } from './offset-committer.js';

/**
 * What a service does with a batch, in two phases so that every message ends in exactly one
 * outcome: `classify` decides which messages are dead letters (deterministic, no side effects),
 * they are published to the DLQ, then `apply` makes the rest durable (applied or duplicate).
 */
export interface BatchHandler<T> {
  classify(messages: SourceMessage[]): Promise<{ accepted: T[]; deadLetters: DeadLetter[] }>;
  /** `accepted` is every source batch's accepted messages, in order; `sources` says where they came from. */
  apply(accepted: T[], heartbeat: () => Promise<void>, sources: readonly SourceBatch<T>[]): Promise<{ applied: number; duplicates: number }>;
}

/** One consumed batch of a partition, as handed to `apply` (several may be applied together). */
export interface SourceBatch<T> {
  topic: string;
  partition: number;
  /** the partition had more records than this batch when it was fetched (a backlog) */
  behind: boolean;
  accepted: T[];
}

export interface ConsumerMetrics {
  consumed: Counter<'topic' | 'outcome'>;
  deadLetters: Counter<'reason'>;
  batchDuration: Histogram;
  errors: Counter<'stage'>;
  paused: Gauge;
}

export interface BatchConsumerOptions<T> {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  handler: BatchHandler<T>;
  deadLetters: DeadLetterPublisher;
  logger: Logger;
  metrics: ConsumerMetrics;
  partitionsConsumedConcurrently?: number;
  /** How long a fetch may wait for data; default DEFAULT_MAX_WAIT_MS (100 ms) below. */
  maxWaitTimeInMs?: number;
  /**
   * Batches waiting for their turn are applied together in one `handler.apply` call (same
   * topic, partition order kept) while their accepted messages add up to at most this many; a
   * larger batch is applied alone. Also bounds the messages fetched ahead. Default
   * DEFAULT_MERGE_UP_TO below.
   */
  mergeBatchesUpTo?: number;
  /** Least time between two offset commit requests; default DEFAULT_COMMIT_INTERVAL_MS (offset-committer.ts). */
  commitIntervalMs?: number;
}

/** A classified batch waiting for (or in) its apply. */
interface Pending<T> extends SourceBatch<T> {
  deadLetters: DeadLetter[];
  /** the offset to commit once applied: the batch's last offset + 1 */
  nextOffset: string;
  isStale: () => boolean;
  heartbeat: () => Promise<void>;
  /** the kafkajs consumer that fetched it (a replaced consumer's batches are not committed) */
  consumer: Consumer;
  stopTimer: () => void;
}

/**
 * A broker answers a fetch as soon as minBytes (1) arrive (so does the patched local mock,
 * tools/mock-kafka), so this bounds only idle fetches: a few empty fetches a second on an idle
 * topic, instead of kafkajs' 5 s.
 */
const DEFAULT_MAX_WAIT_MS = 100;

/**
 * Every apply costs the same few Redis round trips (and their CPU) whatever its size, and a
 * fetch may return only a few messages per partition (librdkafka's mock broker returns one
 * produced set per partition and fetch): applying each batch alone would make that fixed cost,
 * not the messages, what limits the rate the consumer keeps up with. Batches that wait while an
 * apply runs are applied together, up to this many messages; large ones (a backlog being
 * drained: thousands of messages per partition) still go alone.
 */
const DEFAULT_MERGE_UP_TO = 1_000;

/**
 * Consumes with eachBatch and explicit commits: a batch's offsets are committed only after its
 * dead letters are acknowledged by the DLQ and its state is durable in Redis. A failing step is
 * retried with backoff (heartbeating) instead of skipping anything; if the batch goes stale
 * meanwhile, nothing is committed and it is read again (dedupe makes that harmless).
 *
 * Fetching and applying overlap: once classified (and its dead letters published), a batch
 * joins a queue and kafkajs fetches on while it waits for its apply; the batches of a partition
 * are applied one after another, those of different partitions concurrently while the consumer
 * is behind (up to partitionsConsumedConcurrently applies; one at a time at the live edge), and
 * batches that waited are applied together. So the consumer keeps up as long as fetching keeps
 * up, and applies grow when it falls behind. The queue holds at most mergeBatchesUpTo messages
 * (or one larger batch).
 */
export class BatchConsumer<T> {
  private consumer: Consumer;
  private joined = false;
  private stopping = false;
  private pausedTopics = false;
  private restarts = 0;
  private readonly retryWaiter = new Waiter();
  private readonly committer: OffsetCommitter;
  /** classified batches waiting for their apply, in the order they were fetched */
  private queue: Pending<T>[] = [];
  private queuedMessages = 0;
  /** batches waiting for room in the queue */
  private roomWaiters: (() => void)[] = [];
  /** partitions (topic NUL partition) with an apply in progress */
  private readonly busyPartitions = new Set<string>();
  private readonly applying = new Set<Promise<void>>();
  private applyScheduled = false;
  /** mergeBatchesUpTo with its default: the queue's room and an apply's size */
  private readonly mergeUpTo: number;

  constructor(private readonly options: BatchConsumerOptions<T>) {
    this.consumer = this.createConsumer();
    this.mergeUpTo = options.mergeBatchesUpTo ?? DEFAULT_MERGE_UP_TO;
    this.committer = new OffsetCommitter(() => this.consumer, options.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS, options.metrics, options.logger);
  }

  get ready(): boolean {
    return this.joined;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    for (const topic of this.options.topics) await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 4,
      eachBatch: (payload) => this.onBatch(payload),
    });
    if (this.pausedTopics) this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
  }

  private createConsumer(): Consumer {
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: 30_000,
      // Frequent heartbeats let a member notice a rebalance (and rejoin) quickly; they are tiny.
      heartbeatInterval: 1_000,
      // One customer's events stay on one partition; a bad producer that breaks this is still
      // safe because the Redis step compares versions.
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: this.options.maxWaitTimeInMs ?? DEFAULT_MAX_WAIT_MS,
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.joined = true;
      this.restarts = 0;
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.joined = false;
      this.options.logger.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      // kafkajs restarts by itself only after retriable errors. After a non-retriable one (seen:
      // a broker answering SyncGroup with INVALID_REQUEST in a rebalance) it stays disconnected,
      // leaving a live process that consumes nothing. A fresh consumer is always safe:
      // uncommitted batches are re-read and deduplicated.
      if (!payload.restart && !this.stopping) void this.replaceConsumer();
    });
    return consumer;
  }

  private async replaceConsumer(): Promise<void> {
    while (!this.stopping) {
      await this.retryWaiter.wait(backoffMs(this.restarts++, 500, 30_000));
      if (this.stopping) return;
      try {
        await this.consumer.disconnect().catch(() => undefined);
        this.dropQueue(); // the new consumer reads them again from the committed offsets
        this.consumer = this.createConsumer();
        await this.start();
        this.options.logger.warn('consumer replaced after a crash');
        return;
      } catch (error) {
        this.options.metrics.errors.inc({ stage: 'consumer' });
        this.options.logger.error({ err: error }, 'could not restart the consumer, retrying');
      }
    }
  }

  /** Back-pressure: stop fetching (the in-flight batch still completes) until resumed. */
  setPaused(paused: boolean): void {
    if (paused === this.pausedTopics) return;
    this.pausedTopics = paused;
    const topics = this.options.topics.map((topic) => ({ topic }));
    if (paused) this.consumer.pause(topics);
    else this.consumer.resume(topics);
    this.options.metrics.paused.set(paused ? 1 : 0);
    this.options.logger.warn({ paused }, paused ? 'consumption paused (back-pressure)' : 'consumption resumed');
  }

  /**
   * Finishes the applies in progress, commits them and leaves the group. Batches still waiting
   * for their apply are dropped uncommitted: the next consumer of their partitions reads them.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.retryWaiter.wake();
    this.dropQueue();
    await this.consumer.stop();
    this.dropQueue();
    await Promise.all(this.applying);
    await this.committer.flush();
    await this.consumer.disconnect();
    this.joined = false;
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    const { handler, metrics } = this.options;
    const stopTimer = metrics.batchDuration.startTimer();
    const messages = batch.messages.map((m) => toSource(batch.topic, batch.partition, m));

    const classified = await this.retrying('classify', isRunning, isStale, heartbeat, () => handler.classify(messages));
    if (!classified) return;
    const published = await this.retrying('dead_letter', isRunning, isStale, heartbeat, async () => {
      await this.options.deadLetters.publish(classified.deadLetters);
      return true;
    });
    if (!published) return;

    const limit = this.mergeUpTo;
    while (this.queuedMessages > 0 && this.queuedMessages + classified.accepted.length > limit) {
      if (!isRunning() || isStale() || this.stopping) return;
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    if (!isRunning() || isStale() || this.stopping) return;
    const last = batch.messages[batch.messages.length - 1] as KafkaMessage;
    this.queue.push({
      topic: batch.topic, partition: batch.partition, behind: Number(batch.offsetLag()) > 0,
      accepted: classified.accepted, deadLetters: classified.deadLetters,
      nextOffset: (BigInt(last.offset) + 1n).toString(), isStale, heartbeat, consumer: this.consumer, stopTimer,
    });
    this.queuedMessages += classified.accepted.length;
    // kafkajs fetches from the resolved offset on; what is committed is decided after the apply.
    resolveOffset(last.offset);
    // The other batches of this fetch are handed over in the same turn of the event loop: start
    // once they are queued too, so that they go in one apply.
    this.scheduleApplies();
    // Throws when the group is rebalancing, which is how kafkajs ends the batch and rejoins
    // (swallowing it left a member that never rejoined and stalled the whole group).
    await heartbeat();
  }

  private scheduleApplies(): void {
    if (this.applyScheduled) return;
    this.applyScheduled = true;
    setImmediate(() => {
      this.applyScheduled = false;
      this.startApplies();
    });
  }

  /**
   * Starts applies for waiting batches whose partitions are free, up to the concurrency; at the
   * live edge one at a time (what arrives meanwhile joins the next): small applies taking turns
   * on the CPU delivered later than fewer, larger ones (docs/performance.md, 2026-12-03).
   */
  private startApplies(): void {
    const concurrency = this.options.partitionsConsumedConcurrently ?? 4;
    while (this.applying.size < concurrency && !this.stopping) {
      if (this.applying.size > 0 && !this.catchingUp()) return;
      const group = this.takeGroup();
      if (group.length === 0) return;
      const run: Promise<void> = this.applyGroup(group).finally(() => {
        for (const p of group) this.busyPartitions.delete(partitionKey(p));
        this.applying.delete(run);
        this.startApplies();
      });
      this.applying.add(run);
    }
  }

  /** A waiting batch left records behind it in its partition, or the queue is full. */
  private catchingUp(): boolean {
    return this.queuedMessages >= this.mergeUpTo || this.queue.some((p) => p.behind);
  }

  /**
   * The next apply: from the head of the queue, the batches of the first free partition's topic
   * whose partitions are free (a partition's batches in fetch order), up to mergeBatchesUpTo
   * messages (a larger first batch alone).
   */
  private takeGroup(): Pending<T>[] {
    const limit = this.mergeUpTo;
    const blocked = new Set(this.busyPartitions);
    const group: Pending<T>[] = [];
    let size = 0;
    for (const pending of this.queue) {
      const key = partitionKey(pending);
      if (blocked.has(key) || (group.length > 0 && pending.topic !== (group[0] as Pending<T>).topic)) {
        blocked.add(key); // a later batch of this partition must not overtake this one
        continue;
      }
      if (group.length > 0 && size + pending.accepted.length > limit) break;
      group.push(pending);
      size += pending.accepted.length;
    }
    if (group.length === 0) return group;
    const taken = new Set(group);
    this.queue = this.queue.filter((p) => !taken.has(p));
    this.queuedMessages -= size;
    for (const p of group) this.busyPartitions.add(partitionKey(p));
    this.wakeRoomWaiters();
    return group;
  }

  private async applyGroup(group: Pending<T>[]): Promise<void> {
    const { handler, metrics } = this.options;
    let live = group.filter((p) => !p.isStale());
    const newest = group[group.length - 1] as Pending<T>;
    let outcome: { applied: number; duplicates: number } | undefined;
    try {
      outcome = await this.retrying('apply', () => !this.stopping && newest.consumer === this.consumer, () => {
        live = live.filter((p) => !p.isStale());
        return live.length === 0;
      }, newest.heartbeat, () => handler.apply(live.length === 1 ? (live[0] as Pending<T>).accepted : live.flatMap((p) => p.accepted), newest.heartbeat, live));
    } catch (error) {
      // A heartbeat between retries found the group rebalancing: the batches are read again.
      this.options.logger.warn({ err: error }, 'apply abandoned (rebalance); its batches are read again');
      return;
    }
    if (!outcome) return;

    // The outcomes are durable from here on: count them whatever happens to the commit.
    const topic = newest.topic;
    metrics.consumed.inc({ topic, outcome: 'applied' }, outcome.applied);
    metrics.consumed.inc({ topic, outcome: 'duplicate' }, outcome.duplicates);
    for (const p of live) {
      metrics.consumed.inc({ topic, outcome: 'dead_lettered' }, p.deadLetters.length);
      for (const letter of p.deadLetters) metrics.deadLetters.inc({ reason: letter.reason });
      p.stopTimer();
      if (p.consumer === this.consumer && !p.isStale()) this.committer.commit(p.topic, p.partition, p.nextOffset);
    }
  }

  /** Batches not yet being applied are given up (uncommitted): stopping, or a replaced consumer. */
  private dropQueue(): void {
    this.queue = [];
    this.queuedMessages = 0;
    this.wakeRoomWaiters();
  }

  private wakeRoomWaiters(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Runs a step until it succeeds; undefined when the batch must be abandoned uncommitted. */
  private async retrying<R>(
    stage: string,
    isRunning: () => boolean,
    isStale: () => boolean,
    heartbeat: () => Promise<void>,
    step: () => Promise<R>,
  ): Promise<R | undefined> {
    for (let attempt = 0; ; attempt++) {
      if (!isRunning() || isStale()) return undefined;
      try {
        return await step();
      } catch (error) {
        this.options.metrics.errors.inc({ stage });
        this.options.logger.error({ err: error, stage, attempt }, 'batch step failed, retrying');
        await this.retryWaiter.wait(backoffMs(attempt));
        // Keeps the membership while retrying; a rebalance error propagates and ends the batch.
        await heartbeat();
      }
    }
  }
}

function partitionKey({ topic, partition }: { topic: string; partition: number }): string {
  return `${topic}\u0000${partition}`;
}

function toSource(topic: string, partition: number, m: KafkaMessage): SourceMessage {
  return { topic, partition, offset: m.offset, key: m.key ?? null, value: m.value ?? null, headers: m.headers ?? {}, producedAtMs: Number(m.timestamp) };
}
