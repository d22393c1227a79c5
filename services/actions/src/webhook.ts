import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebhookConfig } from '@bondstream/config';
import { backoffMs, PollingLoop, type DeadLetterPublisher } from '@bondstream/kafka-runner';
import type { OutboxEntry } from '@bondstream/redis-state';
import type { Logger } from 'pino';
import type { ActionsMetrics } from './metrics.js';

export const SIGNATURE_HEADER = 'x-bondstream-signature';
export const TIMESTAMP_HEADER = 'x-bondstream-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const ATTEMPT_HEADER = 'x-bondstream-attempt';

/**
 * `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<body>`): the timestamp (Unix seconds, its
 * own header) is signed with the body, so a receiver can refuse replays of old deliveries.
 */
export function signPayload(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type FailureReason = 'timeout' | 'network' | 'http_4xx' | 'http_5xx';
export type AttemptResult = { ok: true } | { ok: false; reason: FailureReason; retriable: boolean; detail: string };

/** One POST of one action. Never throws. */
export async function postAction(
  config: Pick<WebhookConfig, 'url' | 'secret' | 'timeoutMs'>,
  body: string,
  actionId: string,
  attempt: number,
  stop?: AbortSignal,
): Promise<AttemptResult> {
  const timestamp = String(Math.floor(Date.now() / 1_000));
  const timeout = AbortSignal.timeout(config.timeoutMs);
  try {
    const response = await fetch(config.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'bondstream-actions',
        [IDEMPOTENCY_HEADER]: actionId,
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signPayload(config.secret, timestamp, body),
        [ATTEMPT_HEADER]: String(attempt),
      },
      body,
      // A redirect would turn the POST into a GET elsewhere: treated as a failure.
      redirect: 'error',
      signal: stop ? AbortSignal.any([timeout, stop]) : timeout,
    });
    // The body is not needed; discarding it frees the connection for reuse.
    await response.body?.cancel().catch(() => undefined);
    if (response.ok) return { ok: true };
    const status = response.status;
    // 408 and 429 say "later"; any other 4xx will not change by retrying (bad URL, refused signature).
    const retriable = status >= 500 || status === 408 || status === 429;
    return { ok: false, reason: status >= 500 ? 'http_5xx' : 'http_4xx', retriable, detail: `HTTP ${status}` };
  } catch (error) {
    const timedOut = timeout.aborted;
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return {
      ok: false,
      reason: timedOut ? 'timeout' : 'network',
      retriable: true,
      detail: timedOut ? `no answer within ${config.timeoutMs} ms` : `${error instanceof Error ? error.message : String(error)}${cause}`,
    };
  }
}

/** The webhook queue in Redis (packages/redis-state OutboxStore on the `webhooks` stream fits). */
export interface WebhookQueue {
  leaseShards(): Promise<number[]>;
  read(shards: readonly number[], perShard: number, after?: ReadonlyMap<number, string>): Promise<Map<number, OutboxEntry[]>>;
  ack(done: Map<number, string[]>): Promise<Map<number, boolean>>;
  backlog(): Promise<number>;
  release(): Promise<void>;
}

export interface WebhookWorkerOptions {
  config: WebhookConfig;
  queue: WebhookQueue;
  deadLetters: DeadLetterPublisher;
  /** The action topic: named as the dead letters' source. */
  actionsTopic: string;
  logger: Logger;
  metrics: Pick<ActionsMetrics, 'webhookDuration' | 'webhookDelivered' | 'webhookFailures' | 'webhookDeadLetters' | 'webhookBacklog' | 'errors'>;
  leaseRefreshMs?: number;
  idleMs?: number;
}

/**
 * Delivers queued actions to the webhook, apart from the consumer and the topic relay: a slow
 * or failing receiver only ever holds this worker's own slots. Up to `concurrency` deliveries
 * run at once, each retrying with exponential backoff and full jitter; after the last attempt
 * (or at once for a 4xx other than 408/429) the action goes to the DLQ (reason webhook_failed).
 * An entry leaves the Redis queue only when delivered or dead-lettered, so a crash redelivers
 * it (at-least-once; receivers deduplicate on the Idempotency-Key, the actionId).
 */
export class WebhookWorker {
  private readonly loop: PollingLoop;
  private readonly stopping = new AbortController();
  private shards: number[] = [];
  private leasedAt = 0;
  /** Per shard: the id of the newest entry handed to a delivery. */
  private readonly cursors = new Map<number, string>();
  private readonly inFlight = new Set<string>();
  private readonly deliveries = new Set<Promise<void>>();

  constructor(private readonly options: WebhookWorkerOptions) {
    this.loop = new PollingLoop(() => this.takeOnce(), (error) => {
      options.metrics.errors.inc({ stage: 'webhook' });
      options.logger.error({ err: error }, 'webhook queue read failed, retrying');
    }, options.idleMs ?? 100);
  }

  start(): void {
    this.loop.start();
  }

  /** New entries were queued: look now instead of at the next poll. */
  wake(): void {
    this.loop.wake();
  }

  /** Stops taking entries and abandons in-flight deliveries (they stay queued for the next start). */
  async stop(): Promise<void> {
    const stopped = this.loop.stop();
    this.stopping.abort();
    await stopped;
    await Promise.allSettled([...this.deliveries]);
    await this.options.queue.release().catch(() => undefined);
  }

  /** Starts deliveries for queued entries while there are free slots; returns how many. */
  private async takeOnce(): Promise<number> {
    const { queue, config, metrics } = this.options;
    if (Date.now() - this.leasedAt >= (this.options.leaseRefreshMs ?? 2_000)) {
      const held = await queue.leaseShards();
      for (const shard of this.shards) if (!held.includes(shard)) this.cursors.delete(shard);
      this.shards = held;
      this.leasedAt = Date.now();
      metrics.webhookBacklog.set(await queue.backlog());
    }
    const free = config.concurrency - this.inFlight.size;
    if (free <= 0 || this.shards.length === 0) return 0;
    const entries = await queue.read(this.shards, free, this.cursors);
    let started = 0;
    for (const [shard, rows] of entries) {
      for (const row of rows) {
        if (this.inFlight.size >= config.concurrency) return started;
        this.cursors.set(shard, row.id);
        const key = `${shard}/${row.id}`;
        if (this.inFlight.has(key)) continue;
        this.inFlight.add(key);
        const delivery = this.deliver(shard, row).catch((error: unknown) => {
          // Not expected (the entries are our own JSON); it stays queued for the next start.
          this.options.metrics.errors.inc({ stage: 'webhook' });
          this.options.logger.error({ err: error, shard, entry: row.id }, 'webhook delivery crashed');
        }).finally(() => {
          this.inFlight.delete(key);
          this.deliveries.delete(delivery);
          this.loop.wake();
        });
        this.deliveries.add(delivery);
        started++;
      }
    }
    return started;
  }

  private async deliver(shard: number, entry: OutboxEntry): Promise<void> {
    const { config, metrics, logger } = this.options;
    const action = JSON.parse(entry.event) as { actionId: string; customerId: string; action: string };
    for (let attempt = 1; ; attempt++) {
      if (!this.loop.running) return;
      const stopTimer = metrics.webhookDuration.startTimer();
      const result = await postAction(config, entry.event, action.actionId, attempt, this.stopping.signal);
      if (!this.loop.running) return; // aborted by stop(): left queued
      stopTimer({ outcome: result.ok ? 'success' : 'failure' });
      if (result.ok) {
        metrics.webhookDelivered.inc();
        await this.persist(() => this.ack(shard, entry.id));
        return;
      }
      metrics.webhookFailures.inc({ reason: result.reason });
      if (!result.retriable || attempt >= config.maxAttempts) {
        logger.warn({ actionId: action.actionId, action: action.action, attempts: attempt, detail: result.detail }, 'webhook delivery failed for good: dead-lettered');
        await this.persist(() => this.options.deadLetters.publish([{
          message: {
            topic: this.options.actionsTopic, partition: -1, offset: '-1',
            key: Buffer.from(action.customerId), value: Buffer.from(entry.event),
            headers: { 'action.id': action.actionId, 'webhook.attempts': String(attempt) },
          },
          reason: 'webhook_failed',
          detail: `${attempt} attempt${attempt === 1 ? '' : 's'}, last: ${result.detail}`,
        }]));
        metrics.webhookDeadLetters.inc();
        await this.persist(() => this.ack(shard, entry.id));
        return;
      }
      logger.debug({ actionId: action.actionId, attempt, detail: result.detail }, 'webhook attempt failed, retrying');
      if (!(await this.pause(backoffMs(attempt - 1, config.backoffMs, config.maxBackoffMs)))) return;
    }
  }

  private async ack(shard: number, id: string): Promise<void> {
    const held = await this.options.queue.ack(new Map([[shard, [id]]]));
    if (held.get(shard) === false) this.options.logger.warn({ shard }, 'webhook lease lost; another worker continues this shard');
  }

  /** Retries a Redis or Kafka step until it succeeds or the worker stops. */
  private async persist(step: () => Promise<void>): Promise<void> {
    for (let failures = 0; ; failures++) {
      try {
        return await step();
      } catch (error) {
        this.options.metrics.errors.inc({ stage: 'webhook' });
        this.options.logger.error({ err: error }, 'webhook bookkeeping failed, retrying');
        if (!(await this.pause(backoffMs(failures)))) return;
      }
    }
  }

  /** Waits, or returns false at once when the worker stops. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.stopping.signal, ref: false });
      return true;
    } catch {
      return false;
    }
  }
}
