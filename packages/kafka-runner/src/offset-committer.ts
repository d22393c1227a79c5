import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';
import { Waiter } from './backoff.js';
import type { ConsumerMetrics } from './batch-consumer.js';

/**
 * Offsets are committed after the batches are durable, but not after every batch: at a low,
 * steady rate that would be a request to the group coordinator per partition and fetch (several
 * hundred a second), each costing both sides CPU. A crash re-reads at most this much more
 * (deduplicated); flush() commits what is left at once.
 */
export const DEFAULT_COMMIT_INTERVAL_MS = 50;

/**
 * Commits a partition's offset without holding up the next fetch: the batch's outcome is
 * already durable. One OffsetCommit request is in flight at a time, at most one per
 * intervalMs, carrying the newest offset of every partition whose batches finished meanwhile:
 * with small batches (a low, steady rate) that is one request per many batches instead of one
 * per batch, and commits still reach the broker in order.
 */
export class OffsetCommitter {
  /** offsets to commit next, the newest per partition; sent by the one commit loop */
  private readonly pending = new Map<string, { topic: string; partition: number; offset: string }>();
  /** the commit loop while it runs: one OffsetCommit request in flight at a time */
  private committing: Promise<void> | null = null;
  private lastCommitAt = -Infinity;
  private readonly waiter = new Waiter();
  private flushing = false;

  constructor(
    /** the consumer that commits: the BatchConsumer's current one (it is replaced after a crash) */
    private readonly consumer: () => Consumer,
    private readonly intervalMs: number,
    private readonly metrics: ConsumerMetrics,
    private readonly logger: Logger,
  ) {}

  commit(topic: string, partition: number, offset: string): void {
    this.pending.set(`${topic}\u0000${partition}`, { topic, partition, offset });
    this.committing ??= this.loop().finally(() => {
      this.committing = null;
    });
  }

  /** Sends what is pending at once (no interval) and waits for it: on stop. */
  async flush(): Promise<void> {
    this.flushing = true;
    this.waiter.wake();
    await this.committing;
  }

  private async loop(): Promise<void> {
    // The batches of one fetch finish in the same turn of the event loop: one request for all.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.pending.size > 0) {
      const waitMs = this.lastCommitAt + this.intervalMs - performance.now();
      if (waitMs > 0 && !this.flushing) await this.waiter.wait(waitMs);
      const offsets = [...this.pending.values()];
      this.pending.clear();
      this.lastCommitAt = performance.now();
      try {
        await this.consumer().commitOffsets(offsets);
      } catch (error) {
        // Typically a rebalance. A lost commit is harmless: the next one supersedes it, or the
        // partition's next owner re-reads the batch and finds every event already applied.
        this.metrics.errors.inc({ stage: 'commit' });
        this.logger.warn({ err: error, partitions: offsets.map(({ topic, partition }) => `${topic}/${partition}`) }, 'offset commit failed');
      }
    }
  }
}
