import type { Logger } from 'pino';
import { utcDay } from '@bondstream/model';
import {
  CLOCK_LEASE_KIND, CommandBatch, leaseShards, trimTransitionDays, listTenants, readDueCustomers, releaseShards, type CustomerRef, type CustomerWrite, type ShardLeases,
} from '@bondstream/redis-state';
import type { ScoringContext } from './plan.js';
import { reevaluateCustomers } from './reevaluate.js';

/** Customers read from one shard's due index per round; rounds repeat until none are due. */
const DUE_PER_SHARD = 500;
/** Rounds per pass before yielding to the next tick (a huge backlog must not starve shutdown). */
const MAX_ROUNDS_PER_PASS = 50;
/**
 * How often a pass reads every held shard. Between sweeps it reads only the shards whose earliest
 * due time (as last read, lowered by this process's own writes) has come, so idle shards cost
 * nothing per tick; the sweep finds what other scorer processes wrote to shards this one clocks.
 */
const SWEEP_MS = 10_000;

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
  private shards: number[] = [];
  private leasedAt = 0;
  private readonly leases: ShardLeases = { kind: CLOCK_LEASE_KIND, key: (shard) => this.ctx.keyspace.clockLease(shard) };
  private sweptAt = 0;
  /** per tenant and shard, the earliest due time in the shard's due index when last read */
  private readonly earliestDue = new Map<string, Float64Array>();
  /** due times this process wrote while a shard's earliest due time was being read */
  private readonly notedDuringRead = new Map<string, Float64Array>();

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
    await releaseShards(this.ctx.redis, this.ctx.keyspace, this.leases, this.leaseToken).catch(() => undefined);
  }

  /**
   * This process wrote these customers' next due times (events, the clock, a re-score): a shard
   * whose earliest due time this lowers is read at the next tick, not only at the next sweep.
   */
  noteDueTimes(writes: readonly CustomerWrite[]): void {
    // Runs for every written customer: no allocation, one map lookup per run of one tenant.
    let tenantId: string | null = null;
    let earliest: Float64Array | undefined;
    let noted: Float64Array | undefined;
    for (const write of writes) {
      const dueAtMs = write.dueAtMs;
      if (dueAtMs === null) continue;
      if (write.stored.ref.tenantId !== tenantId) {
        tenantId = write.stored.ref.tenantId;
        earliest = this.earliestDue.get(tenantId);
        noted = this.notedDuringRead.get(tenantId);
      }
      const shard = write.stored.keys.shard;
      if (earliest !== undefined && dueAtMs < (earliest[shard] as number)) earliest[shard] = dueAtMs;
      if (noted !== undefined && dueAtMs < (noted[shard] as number)) noted[shard] = dueAtMs;
    }
  }

  /** A tenant's earliest due time per shard, as last read (-Infinity: never read, so read it). */
  private earliestOf(tenantId: string): Float64Array {
    let earliest = this.earliestDue.get(tenantId);
    if (earliest === undefined) this.earliestDue.set(tenantId, (earliest = new Float64Array(this.ctx.keyspace.shards).fill(-Infinity)));
    return earliest;
  }

  /** One pass over every tenant; returns how many customers were re-evaluated. */
  async runPass(): Promise<number> {
    const { redis, keyspace, clock, metrics } = this.ctx;
    const leaseMs = Math.max(5_000, this.tickMs * 5);
    if (Date.now() - this.leasedAt >= leaseMs / 3) {
      this.shards = await leaseShards(redis, keyspace, this.leases, this.leaseToken, leaseMs);
      this.leasedAt = Date.now();
    }
    const tenants = await listTenants(redis, keyspace);
    // Every scorer computes the watermarks (a monotonic raise: idempotent), so they move even
    // while this one holds no clock shard.
    if (this.ctx.eventTime) {
      const { watermarks, heldBackMs } = await this.ctx.eventTime.advance(redis, tenants);
      for (const [tenantId, watermarkMs] of watermarks) clock.observe(tenantId, watermarkMs);
      metrics.watermarkHeldBack.set(Math.max(0, heldBackMs) / 1_000);
    }
    if (this.shards.length === 0) return 0;
    const sweep = Date.now() - this.sweptAt >= SWEEP_MS;
    if (sweep) this.sweptAt = Date.now();
    let total = 0;
    let lagMs = 0;
    for (const tenantId of tenants) {
      const startMs = clock.now(tenantId);
      // the console's transition counts: drop days the clock has left far behind
      if (sweep) await trimTransitionDays(redis, keyspace, tenantId, this.shards, utcDay(startMs));
      const earliest = this.earliestOf(tenantId);
      const shards = sweep ? this.shards : this.shards.filter((shard) => (earliest[shard] as number) <= startMs);
      if (shards.length === 0) continue;
      for (let round = 0; round < MAX_ROUNDS_PER_PASS && !this.stopped; round++) {
        const nowMs = clock.now(tenantId);
        const due = await readDueCustomers(redis, keyspace, tenantId, shards, nowMs, DUE_PER_SHARD);
        if (due.length === 0) break;
        if (round === 0) lagMs = Math.max(lagMs, this.oldestDueLagMs(tenantId, shards, nowMs));
        const { customers, missing } = await reevaluateCustomers(this.ctx, due, 'clock');
        await this.forget(missing);
        total += customers;
        metrics.clockReevaluations.inc(customers);
      }
      await this.readEarliestDue(tenantId, shards);
    }
    metrics.clockLag.set(lagMs / 1_000);
    return total;
  }

  /** How long the oldest due time of these shards (as last read) has been waiting. */
  private oldestDueLagMs(tenantId: string, shards: readonly number[], nowMs: number): number {
    const earliest = this.earliestOf(tenantId);
    const oldest = Math.min(...shards.map((shard) => earliest[shard] as number));
    return Number.isFinite(oldest) ? Math.max(0, nowMs - oldest) : 0;
  }

  /** Reads each shard's earliest due time (Infinity: none), one round trip. */
  private async readEarliestDue(tenantId: string, shards: readonly number[]): Promise<void> {
    // a write landing after the read but noted before its reply must not be overwritten
    const noted = new Float64Array(this.ctx.keyspace.shards).fill(Infinity);
    this.notedDuringRead.set(tenantId, noted);
    const batch = new CommandBatch(this.ctx.redis);
    for (const shard of shards) {
      const key = this.ctx.keyspace.due(shard, tenantId);
      batch.add(key, (p) => p.zrange(key, 0, 0, 'WITHSCORES'));
    }
    try {
      const replies = (await batch.exec()) as (string[] | null)[];
      const earliest = this.earliestOf(tenantId);
      shards.forEach((shard, i) => {
        earliest[shard] = Math.min(Number(replies[i]?.[1] ?? Infinity), noted[shard] as number);
      });
    } finally {
      this.notedDuringRead.delete(tenantId);
    }
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
