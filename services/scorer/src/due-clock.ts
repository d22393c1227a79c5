import type { Logger } from 'pino';
import {
  CommandBatch, leaseShards, listTenants, readDueCustomers, readWatermark, releaseShards, type CustomerRef,
} from '@bondstream/redis-state';
import type { ScoringContext } from './plan.js';
import { reevaluateCustomers } from './reevaluate.js';

/** Customers read from one shard's due index per round; rounds repeat until none are due. */
const DUE_PER_SHARD = 500;
/** Rounds per pass before yielding to the next tick (a huge backlog must not starve shutdown). */
const MAX_ROUNDS_PER_PASS = 50;

/**
 * The clock: re-evaluates the customers whose due time has come (window expiry, recency
 * crossing a cut, loyalty decay, the end of a dwell) without scanning the base. Each pass takes
 * or renews the per-shard clock leases (with several scorers, each shard's clock runs in one of
 * them), reads each tenant's due customers up to the tenant's evaluation time (the wall clock,
 * or the event-time watermark with CRM_CLOCK=event) and writes them with `cause.kind: "clock"`.
 */
export class DueClock {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly ctx: ScoringContext,
    private readonly leaseToken: string,
    private readonly tickMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const schedule = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.pass = this.runPass().then(() => undefined)
          .catch((error: unknown) => {
            this.ctx.metrics.errors.inc({ stage: 'clock' });
            this.logger.error({ err: error }, 'clock pass failed; the next pass retries');
          })
          .finally(() => {
            this.pass = null;
            schedule();
          });
      }, this.tickMs);
      this.timer.unref();
    };
    schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pass;
    await releaseShards(this.ctx.redis, this.ctx.keyspace, (shard) => this.ctx.keyspace.clockLease(shard), this.leaseToken).catch(() => undefined);
  }

  /** One pass over every tenant; returns how many customers were re-evaluated. */
  async runPass(): Promise<number> {
    const { redis, keyspace, clock, metrics } = this.ctx;
    const shards = await leaseShards(redis, keyspace, (shard) => keyspace.clockLease(shard), this.leaseToken, Math.max(5_000, this.tickMs * 5));
    if (shards.length === 0) return 0;
    let total = 0;
    let lagMs = 0;
    for (const tenantId of await listTenants(redis, keyspace)) {
      // Other scorers raise the watermark too; the stored one is the tenant's.
      if (clock.mode === 'event') clock.observe(tenantId, await readWatermark(redis, keyspace, tenantId));
      for (let round = 0; round < MAX_ROUNDS_PER_PASS && !this.stopped; round++) {
        const nowMs = clock.now(tenantId);
        const due = await readDueCustomers(redis, keyspace, tenantId, shards, nowMs, DUE_PER_SHARD);
        if (due.length === 0) break;
        if (round === 0) lagMs = Math.max(lagMs, await this.oldestDueLagMs(tenantId, shards, nowMs));
        const { customers, missing } = await reevaluateCustomers(this.ctx, due, 'clock');
        await this.forget(missing);
        total += customers;
        metrics.clockReevaluations.inc(customers);
      }
    }
    metrics.clockLag.set(lagMs / 1_000);
    return total;
  }

  private async oldestDueLagMs(tenantId: string, shards: readonly number[], nowMs: number): Promise<number> {
    const batch = new CommandBatch(this.ctx.redis);
    for (const shard of shards) {
      const key = this.ctx.keyspace.due(shard, tenantId);
      batch.add(key, (p) => p.zrange(key, 0, 0, 'WITHSCORES'));
    }
    const replies = (await batch.exec()) as (string[] | null)[];
    const oldest = Math.min(...replies.map((r) => Number(r?.[1] ?? Infinity)));
    return Number.isFinite(oldest) ? Math.max(0, nowMs - oldest) : 0;
  }

  /** A due entry without a state (deleted by hand) would come back every pass. */
  private async forget(missing: readonly CustomerRef[]): Promise<void> {
    if (missing.length === 0) return;
    const batch = new CommandBatch(this.ctx.redis);
    for (const ref of missing) {
      const key = this.ctx.keyspace.customer(ref).due;
      batch.add(key, (p) => p.zrem(key, ref.customerId));
    }
    await batch.exec();
    this.logger.warn({ customers: missing.length }, 'removed due entries of customers without a state');
  }
}
