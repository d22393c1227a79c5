import {
  appendChanges, assignSegments, evaluate, nextDueMs, predict,
  type ChangeCauseKind, type CustomerState, type LifetimeModel, type Policy, type SegmentChange, type Thresholds,
} from '@bondstream/model';
import {
  ensureDurable, loadCustomers, writeCustomers,
  type CustomerWrite, type OutboxEntryWritten, type RedisClient, type KeySpace, type LoadRequest, type StoredCustomer,
} from '@bondstream/redis-state';
import type { EvaluationClock } from './clock.js';
import type { EventTimeWatermarks } from './watermarks.js';
import type { ScorerMetrics } from './metrics.js';
import { storeSegmentChanges } from './segment-change.js';
import type { WriteRounds } from './write-rounds.js';

/** What every way of writing a customer (events, the clock, a thresholds refresh) needs. */
export interface ScoringContext {
  redis: RedisClient;
  keyspace: KeySpace;
  policy: Policy;
  clock: EvaluationClock;
  /** the shared event-time watermarks; null with the wall clock */
  eventTime: EventTimeWatermarks | null;
  thresholds(tenantId: string): Thresholds | null;
  /** the tenant's fitted lifetime model; null before the first fit */
  lifetimeModel(tenantId: string): LifetimeModel | null;
  metrics: ScorerMetrics;
  dedupeRetentionMs: number;
  /** Segment changes were written to the outbox in these entries: the relay publishes them right away (fast path). */
  onOutboxWrite(entries: readonly OutboxEntryWritten[]): void;
  /** customers' states (and next due times) were written: the clock reads shards whose earliest due time moved */
  onWritten?(writes: readonly CustomerWrite[]): void;
  /** Every round of writeUntilStored runs through it (shared by all contexts of a process). */
  writeRounds: WriteRounds;
  /** tenants this process has added to the tenant registry (absent: added with every batch) */
  registeredTenants?: Set<string>;
}

export type WriteCause =
  | { kind: 'event'; eventId: string; occurredAtMs: number }
  | { kind: Exclude<ChangeCauseKind, 'event'> };

/**
 * The evaluation time for a customer: the clock's time, but never before the customer's last
 * evaluation (another scorer's clock may be a little behind), so `since` times never go back.
 */
export function evaluationTime(clockNowMs: number, state: CustomerState | null): number {
  return Math.max(clockNowMs, state?.evaluatedAtMs ?? -Infinity);
}

/**
 * Evaluates a customer's (updated) state at `nowMs` and builds the atomic step: new segments
 * (with the policy's hysteresis), index values, the next due time for the clock and the
 * segment changes for the outbox.
 */
export function planWrite(
  ctx: ScoringContext,
  stored: StoredCustomer,
  state: CustomerState,
  nowMs: number,
  appliedEventIds: readonly string[],
  cause: WriteCause,
): CustomerWrite {
  const { tenantId, customerId } = stored.ref;
  const thresholds = ctx.thresholds(tenantId);
  const model = ctx.lifetimeModel(tenantId);
  // CLV only goes out with segment changes: computed for the writes that have some.
  const evaluation = evaluate(state, nowMs, thresholds, ctx.policy, model, false);
  const assigned = assignSegments(state, evaluation, nowMs, ctx.policy);
  if (model !== null && assigned.changes.length > 0) {
    evaluation.scores.clv = predict(assigned.state, nowMs, model, ctx.policy)?.clv?.value ?? null;
  }
  const occurredAtMs = cause.kind === 'event' ? cause.occurredAtMs : nowMs;
  const published = cause.kind === 'event' ? { kind: cause.kind, eventId: cause.eventId } : { kind: cause.kind };
  return {
    stored,
    state: assigned.state,
    appliedEventIds,
    index: evaluation.index,
    dueAtMs: nextDueMs(assigned.state, nowMs, thresholds, ctx.policy, assigned.heldUntilMs, model),
    history: appendChanges(stored.history, assigned.changes, occurredAtMs, cause.kind),
    changesAtMs: occurredAtMs,
    outbox: storeSegmentChanges({
      tenantId, customerId, stateVersion: assigned.state.appliedEvents, occurredAtMs, cause: published, scores: evaluation.scores,
    }, assigned.changes).map((event, i) => {
      const change = assigned.changes[i] as SegmentChange;
      return { fromKey: change.from === null ? null : `${change.dimension}:${change.from}`, toKey: `${change.dimension}:${change.to}`, event };
    }),
  };
}

/** After this many version conflicts in a row something is badly wrong: fail (the caller retries). */
const MAX_CONFLICT_ROUNDS = 20;

/**
 * Reads, plans and writes many customers with compare-and-set: one read and one write round
 * trip per round; customers whose version moved meanwhile (another scorer, the clock) are read
 * and planned again. `plan` returns null for a customer that needs no write. Returns the writes
 * that were stored, with the item each came from.
 */
export async function writeUntilStored<T>(
  ctx: ScoringContext,
  items: readonly T[],
  request: (item: T) => LoadRequest,
  plan: (item: T, stored: StoredCustomer) => CustomerWrite | null,
  /** awaited after the first read, before planning: lets a caller's own round trip share it */
  beforePlan?: Promise<unknown>,
): Promise<{ item: T; write: CustomerWrite }[]> {
  const stored: { item: T; write: CustomerWrite }[] = [];
  /** customers whose events were all applied before (see below) */
  const seenBefore: string[] = [];
  let pending = items;
  for (let round = 0; pending.length > 0; round++) {
    if (round >= MAX_CONFLICT_ROUNDS) throw new Error(`state version kept moving for ${pending.length} customers`);
    if (round > 0) ctx.metrics.conflicts.inc(pending.length);
    const current = pending;
    const { planned, result } = await ctx.writeRounds.run(async () => {
      const loaded = await loadCustomers(ctx.redis, ctx.keyspace, current.map(request));
      if (round === 0) await beforePlan;
      const byWrite = new Map<CustomerWrite, T>();
      loaded.forEach((customer, i) => {
        const write = plan(current[i] as T, customer);
        if (write !== null) byWrite.set(write, current[i] as T);
        else if (customer.alreadyApplied.size > 0) seenBefore.push(customer.keys.state);
      });
      return {
        planned: byWrite,
        result: await writeCustomers(ctx.redis, [...byWrite.keys()], { wallNowMs: Date.now(), dedupeRetentionMs: ctx.dedupeRetentionMs }),
      };
    });
    if (result.outboxEntries.length > 0) ctx.onOutboxWrite(result.outboxEntries);
    for (const write of result.written) stored.push({ item: planned.get(write) as T, write });
    ctx.onWritten?.(result.written);
    pending = result.conflicts.map((w) => planned.get(w) as T);
  }
  // Events found already applied were written by an earlier attempt (a crashed scorer, a batch
  // whose connection dropped) that may not have lived to see its WAIT: this batch's offsets
  // cover them, so they must be on the replicas too before the commit (REDIS_WAIT_REPLICAS).
  if (seenBefore.length > 0) await ensureDurable(ctx.redis, seenBefore);
  return stored;
}

/** Counts written segment changes by dimension and cause (one counter update per dimension, not per change). */
export function countChanges(ctx: ScoringContext, writes: readonly { write: CustomerWrite }[], cause: ChangeCauseKind): number {
  const byDimension = new Map<string, number>();
  let n = 0;
  for (const { write } of writes) {
    for (const change of write.outbox) {
      const dimension = change.toKey.slice(0, change.toKey.indexOf(':'));
      byDimension.set(dimension, (byDimension.get(dimension) ?? 0) + 1);
      n++;
    }
  }
  for (const [dimension, count] of byDimension) ctx.metrics.segmentChanges.inc({ dimension, cause }, count);
  return n;
}
