import type { Redis } from 'ioredis';
import {
  applyEvents, assignSegments, emptyState, evaluate,
  type ModelEvent, type Policy, type Thresholds,
} from '@bondstream/model';
import {
  loadCustomers, raiseWatermark, writeCustomers,
  type CustomerRef, type CustomerWrite, type KeySpace, type StoredCustomer,
} from '@bondstream/redis-state';
import type { AcceptedEvent } from './classify.js';
import type { EvaluationClock } from './clock.js';
import type { ScorerMetrics } from './metrics.js';
import { buildSegmentChange } from './segment-change.js';

export interface ApplyContext {
  redis: Redis;
  keyspace: KeySpace;
  policy: Policy;
  clock: EvaluationClock;
  thresholds(tenantId: string): Thresholds | null;
  metrics: ScorerMetrics;
  dedupeRetentionMs: number;
  /** Called after segment changes were written, so the relay publishes them right away. */
  onOutboxWrite(): void;
}

interface CustomerBatch {
  ref: CustomerRef;
  events: ModelEvent[];
}

/** After this many version conflicts in a row something is badly wrong: fail the batch (retried). */
const MAX_CONFLICT_ROUNDS = 20;

/**
 * Applies a batch: the events of one customer are coalesced into one atomic Redis step, and all
 * customers' steps go in one pipeline. Round trips per batch: one to register tenants and raise
 * watermarks, then one read and one write per conflict round (normally one).
 */
export async function applyBatch(ctx: ApplyContext, accepted: readonly AcceptedEvent[]): Promise<{ applied: number; duplicates: number }> {
  const { customers, duplicatesInBatch } = groupByCustomer(accepted);
  if (customers.length === 0) return { applied: 0, duplicates: duplicatesInBatch };
  await registerTenants(ctx, customers);

  let applied = 0;
  let duplicates = duplicatesInBatch;
  let pending = customers;
  for (let round = 0; pending.length > 0; round++) {
    if (round >= MAX_CONFLICT_ROUNDS) throw new Error(`state version kept moving for ${pending.length} customers`);
    if (round > 0) ctx.metrics.conflicts.inc(pending.length);
    const stored = await loadCustomers(ctx.redis, ctx.keyspace, pending.map((c) => ({
      ref: c.ref, eventIds: c.events.map((e) => e.eventId),
    })));
    const writes: CustomerWrite[] = [];
    const batchOf = new Map<CustomerWrite, CustomerBatch>();
    stored.forEach((customer, i) => {
      const batch = pending[i] as CustomerBatch;
      const write = planWrite(ctx, batch, customer);
      if (write === null) duplicates += batch.events.length;
      else {
        writes.push(write);
        batchOf.set(write, batch);
      }
    });
    const result = await writeCustomers(ctx.redis, writes, {
      wallNowMs: Date.now(),
      dedupeRetentionMs: ctx.dedupeRetentionMs,
    });
    let changes = 0;
    for (const write of result.written) {
      applied += write.appliedEventIds.length;
      duplicates += (batchOf.get(write)?.events.length ?? 0) - write.appliedEventIds.length;
      changes += write.outbox.length;
    }
    if (changes > 0) ctx.onOutboxWrite();
    pending = result.conflicts.map((w) => batchOf.get(w) as CustomerBatch);
  }
  return { applied, duplicates };
}

/** The new state and outbox entries of one customer, or null when every event was a duplicate. */
function planWrite(ctx: ApplyContext, batch: CustomerBatch, stored: StoredCustomer): CustomerWrite | null {
  const fresh = batch.events.filter((e) => !stored.alreadyApplied.has(e.eventId));
  if (fresh.length === 0) return null;
  const { tenantId, customerId } = batch.ref;
  const nowMs = ctx.clock.now(tenantId);
  const updated = applyEvents(stored.state ?? emptyState(), fresh, nowMs, ctx.policy);
  const evaluation = evaluate(updated, nowMs, ctx.thresholds(tenantId), ctx.policy);
  const { state, changes } = assignSegments(updated, evaluation, nowMs);
  const cause = latest(fresh);
  return {
    stored,
    newVersion: state.appliedEvents,
    state,
    appliedEventIds: fresh.map((e) => e.eventId),
    index: evaluation.index,
    outbox: changes.map((change) => {
      ctx.metrics.segmentChanges.inc({ dimension: change.dimension, cause: 'event' });
      return {
        fromKey: change.from === null ? null : `${change.dimension}:${change.from}`,
        toKey: `${change.dimension}:${change.to}`,
        event: JSON.stringify(buildSegmentChange({
          tenantId, customerId, change, stateVersion: state.appliedEvents,
          occurredAtMs: cause.occurredAtMs, cause: { kind: 'event', eventId: cause.eventId }, scores: evaluation.scores,
        })),
      };
    }),
  };
}

/** The cause of a coalesced update: its newest event (ties broken by id, so it is deterministic). */
function latest(events: readonly ModelEvent[]): ModelEvent {
  return events.reduce((a, b) =>
    b.occurredAtMs > a.occurredAtMs || (b.occurredAtMs === a.occurredAtMs && b.eventId > a.eventId) ? b : a);
}

function groupByCustomer(accepted: readonly AcceptedEvent[]): { customers: CustomerBatch[]; duplicatesInBatch: number } {
  const byCustomer = new Map<string, CustomerBatch & { ids: Set<string> }>();
  let duplicatesInBatch = 0;
  for (const { tenantId, customerId, event } of accepted) {
    const key = `${tenantId}\u0000${customerId}`;
    let batch = byCustomer.get(key);
    if (!batch) {
      batch = { ref: { tenantId, customerId }, events: [], ids: new Set() };
      byCustomer.set(key, batch);
    }
    if (batch.ids.has(event.eventId)) {
      duplicatesInBatch++;
      continue;
    }
    batch.ids.add(event.eventId);
    batch.events.push(event);
  }
  return { customers: [...byCustomer.values()].map(({ ref, events }) => ({ ref, events })), duplicatesInBatch };
}

/** Records new tenants and, with the event clock, raises their watermarks (one round trip). */
async function registerTenants(ctx: ApplyContext, customers: readonly CustomerBatch[]): Promise<void> {
  const newest = new Map<string, number>();
  for (const c of customers) {
    for (const e of c.events) newest.set(c.ref.tenantId, Math.max(newest.get(c.ref.tenantId) ?? 0, e.occurredAtMs));
  }
  const pipeline = ctx.redis.pipeline();
  pipeline.sadd(ctx.keyspace.tenants(), ...newest.keys());
  const tenants = [...newest.keys()];
  for (const tenantId of tenants) raiseWatermark(pipeline, ctx.keyspace, tenantId, newest.get(tenantId) as number);
  const replies = await pipeline.exec();
  tenants.forEach((tenantId, i) => {
    const [error, watermark] = replies?.[i + 1] ?? [new Error('no reply'), null];
    if (error) throw error;
    // The stored watermark includes what other scorer processes have seen.
    ctx.clock.observe(tenantId, Number(watermark));
  });
}
