import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { ServiceConfig } from '@bondstream/config';
import { backoffMs } from '@bondstream/kafka-runner';
import type { OutboxEntryWritten } from '@bondstream/redis-state';
import type { ScorerMetrics } from './metrics.js';

export interface RelayThreadData {
  config: ServiceConfig;
  leaseToken: string;
}

/** What the relay thread reports, as increments. */
export interface RelayReport {
  published: number;
  errors: number;
  /** fast path: seconds from each published write's newest input record to Kafka's acknowledgement */
  publishedLatencySeconds?: number[];
}

/**
 * The main thread's side of the relay thread: starts it, wakes it after writes, adds what it
 * reports to the scorer's metrics, restarts it (with backoff) if it dies, and on stop lets it
 * drain the outbox first.
 */
export class RelayHost {
  private worker: Worker | null = null;
  private stopping = false;
  private restarts = 0;
  private stopped: Promise<void> | null = null;

  constructor(
    private readonly data: RelayThreadData,
    private readonly metrics: ScorerMetrics,
    private readonly logger: Logger,
    /** the thread's script (tests give a stand-in) */
    private readonly script: URL = new URL('./relay-thread.js', import.meta.url),
  ) {}

  start(): void {
    const worker = new Worker(this.script, { workerData: this.data });
    this.worker = worker;
    worker.on('message', (message: Partial<RelayReport> & { ready?: boolean }) => {
      if (message.ready) this.restarts = 0;
      if (message.published) this.metrics.published.inc(message.published);
      if (message.errors) this.metrics.errors.inc({ stage: 'relay' }, message.errors);
      if (message.publishedLatencySeconds) {
        const stage = this.metrics.eventLatency.labels('published');
        for (const seconds of message.publishedLatencySeconds) stage.observe(seconds);
      }
    });
    worker.on('error', (error) => {
      this.metrics.errors.inc({ stage: 'relay' });
      this.logger.error({ err: error }, 'relay thread failed');
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      if (this.stopping) return;
      // The outbox still holds everything it had not acked; a new thread continues from there.
      const delayMs = backoffMs(this.restarts++, 500, 30_000);
      this.logger.error({ code, delayMs }, 'relay thread exited; restarting');
      setTimeout(() => {
        if (!this.stopping) this.start();
      }, delayMs).unref();
    });
  }

  /**
   * Segment changes were just written in these outbox entries: the thread publishes them now
   * (the fast path), or, with OUTBOX_RELAY_GRACE_MS=0, reads those shards now. If the thread is
   * not running, the entries wait in the outbox for its sweep.
   */
  published(entries: readonly OutboxEntryWritten[]): void {
    if (this.data.config.relayGraceMs > 0) this.worker?.postMessage({ written: entries });
    else this.worker?.postMessage({ wake: [...new Set(entries.map((e) => e.shard))] });
  }

  /** Lets the thread publish what is left in the outbox, then ends it. */
  stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (worker === null) return Promise.resolve();
    this.stopped ??= new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage('stop');
    });
    return this.stopped;
  }
}
