import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { backoffMs, Waiter } from './backoff.js';
import type { DeadLetterPublisher } from './dead-letters.js';
import type { DeadLetter, SourceMessage } from './messages.js';

/**
 * What a service does with a batch, in two phases so that every message ends in exactly one
 * outcome: `classify` decides which messages are dead letters (deterministic, no side effects),
 * they are published to the DLQ, then `apply` makes the rest durable (applied or duplicate).
 */
export interface BatchHandler<T> {
  classify(messages: SourceMessage[]): Promise<{ accepted: T[]; deadLetters: DeadLetter[] }>;
  apply(accepted: T[], heartbeat: () => Promise<void>): Promise<{ applied: number; duplicates: number }>;
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
}

/**
 * A broker answers a fetch as soon as minBytes (1) arrive, but librdkafka's mock cluster holds
 * every fetch for the full wait (kafkajs' default is 5 s): a short wait keeps the latency from
 * produce to output low there, at the price of a few empty fetches on an idle topic.
 */
const DEFAULT_MAX_WAIT_MS = 100;

/**
 * Consumes with eachBatch and explicit commits: a batch's offsets are committed only after its
 * dead letters are acknowledged by the DLQ and its state is durable in Redis. A failing step is
 * retried inside the batch with backoff (heartbeating) instead of skipping anything; if the
 * partition is revoked meanwhile, nothing is committed and the new owner re-reads the batch
 * (dedupe makes that harmless).
 */
export class BatchConsumer<T> {
  private consumer: Consumer;
  private joined = false;
  private stopping = false;
  private pausedTopics = false;
  private restarts = 0;
  private readonly retryWaiter = new Waiter();
  /** the last offset commit of each partition, chained so that they reach the broker in order */
  private readonly commits = new Map<string, Promise<void>>();

  constructor(private readonly options: BatchConsumerOptions<T>) {
    this.consumer = this.createConsumer();
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

  /** Finishes the in-flight batches, commits them and leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.retryWaiter.wake();
    await this.consumer.stop();
    await Promise.all(this.commits.values());
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
    const outcome = await this.retrying('apply', isRunning, isStale, heartbeat, () => handler.apply(classified.accepted, heartbeat));
    if (!outcome) return;

    // The outcomes are durable from here on: count them whatever happens to the commit.
    metrics.consumed.inc({ topic: batch.topic, outcome: 'applied' }, outcome.applied);
    metrics.consumed.inc({ topic: batch.topic, outcome: 'duplicate' }, outcome.duplicates);
    metrics.consumed.inc({ topic: batch.topic, outcome: 'dead_lettered' }, classified.deadLetters.length);
    for (const letter of classified.deadLetters) metrics.deadLetters.inc({ reason: letter.reason });
    stopTimer();

    const last = batch.messages[batch.messages.length - 1] as KafkaMessage;
    resolveOffset(last.offset);
    this.commit(batch.topic, batch.partition, (BigInt(last.offset) + 1n).toString());
    // Throws when the group is rebalancing, which is how kafkajs ends the batch and rejoins
    // (swallowing it left a member that never rejoined and stalled the whole group).
    await heartbeat();
  }

  /**
   * Commits a partition's offset without holding up the next fetch: the batch's outcome is
   * already durable, and commits of one partition are chained so they reach the broker in
   * order. stop() waits for them.
   */
  private commit(topic: string, partition: number, offset: string): void {
    const key = `${topic}\u0000${partition}`;
    const committed = (this.commits.get(key) ?? Promise.resolve())
      .then(() => this.consumer.commitOffsets([{ topic, partition, offset }]))
      .catch((error: unknown) => {
        // Typically a rebalance. A lost commit is harmless: the next one supersedes it, or the
        // partition's next owner re-reads the batch and finds every event already applied.
        // (Rethrowing inside a batch would make kafkajs crash the consumer as non-retriable.)
        this.options.metrics.errors.inc({ stage: 'commit' });
        this.options.logger.warn({ err: error, topic, partition }, 'offset commit failed');
      });
    this.commits.set(key, committed);
    void committed.then(() => {
      if (this.commits.get(key) === committed) this.commits.delete(key);
    });
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

function toSource(topic: string, partition: number, m: KafkaMessage): SourceMessage {
  return { topic, partition, offset: m.offset, key: m.key ?? null, value: m.value ?? null, headers: m.headers ?? {} };
}
