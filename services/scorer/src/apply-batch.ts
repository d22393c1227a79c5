import { applyEvents, emptyState, type ModelEvent } from '@bondstream/model';
import type { SourceBatch } from '@bondstream/kafka-runner';
import { CommandBatch, type CustomerRef } from '@bondstream/redis-state';
import type { AcceptedEvent } from './classify.js';
import { countChanges, evaluationTime, planWrite, writeUntilStored, type ScoringContext } from './plan.js';

export type ApplyContext = ScoringContext;

interface CustomerBatch {
  ref: CustomerRef;
  events: ModelEvent[];
  /** each event's source record's Kafka timestamp (NaN when unknown) */
  producedAtMs: number[];
}

/**
 * Applies a batch: the events of one customer are coalesced into one atomic Redis step, and all
 * customers' steps go in one pipeline. Round trips per batch: one to register tenants (and read
 * their watermarks) and read the customers, then one write (another read and write per conflict
 * round, normally none); with the event clock one more records the batch's event times.
 */
export async function applyBatch(
  ctx: ApplyContext, accepted: readonly AcceptedEvent[], sources: readonly SourceBatch<AcceptedEvent>[] = [],
): Promise<{ applied: number; duplicates: number }> {
  const { customers, duplicatesInBatch } = groupByCustomer(accepted);
  if (customers.length === 0) {
    await ctx.eventTime?.recordBatches(ctx.redis, sources); // where the partitions are still counts
    return { applied: 0, duplicates: duplicatesInBatch };
  }
  // Sent before the first read and awaited after it: both share one round trip.
  let watermarkBefore = new Map<string, number>();
  const registering = registerTenants(ctx, customers).then((before) => {
    watermarkBefore = before;
  });
  registering.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled

  const written = await writeUntilStored(
    ctx,
    customers,
    (batch) => ({ ref: batch.ref, eventIds: batch.events.map((e) => e.eventId) }),
    (batch, stored) => {
      const fresh = batch.events.filter((e) => !stored.alreadyApplied.has(e.eventId));
      if (fresh.length === 0) return null;
      const cause = latest(fresh);
      const clockNow = ctx.clock.nowFor(watermarkBefore.get(batch.ref.tenantId) ?? 0, cause.occurredAtMs);
      const nowMs = evaluationTime(clockNow, stored.state);
      const write = planWrite(ctx, stored, applyEvents(stored.state ?? emptyState(), fresh, nowMs, ctx.policy), nowMs,
        fresh.map((e) => e.eventId), { kind: 'event', eventId: cause.eventId, occurredAtMs: cause.occurredAtMs });
      // the newest record of this write (a loop, not Math.max(...): a replay may bring thousands)
      write.sourceProducedAtMs = batch.producedAtMs.reduce((a, b) => (b > a ? b : a), Number.NEGATIVE_INFINITY);
      return write;
    },
    registering,
  );
  const writtenAt = Date.now();
  const writtenStage = ctx.metrics.eventLatency.labels('written');
  for (const { item } of written) {
    for (const producedAtMs of item.producedAtMs) if (Number.isFinite(producedAtMs)) writtenStage.observe((writtenAt - producedAtMs) / 1000);
  }
  countChanges(ctx, written, 'event');
  // Only once the events are stored: a batch that is never stored (a crash, a rebalance) must
  // not move the watermark past its own events, which come back with the next consumer.
  await ctx.eventTime?.recordBatches(ctx.redis, sources);
  const events = customers.reduce((n, c) => n + c.events.length, 0);
  const applied = written.reduce((n, { write }) => n + write.appliedEventIds.length, 0);
  return { applied, duplicates: duplicatesInBatch + events - applied };
}

/** The cause of a coalesced update: its newest event (ties broken by id, so it is deterministic). */
function latest(events: readonly ModelEvent[]): ModelEvent {
  return events.reduce((a, b) =>
    b.occurredAtMs > a.occurredAtMs || (b.occurredAtMs === a.occurredAtMs && b.eventId > a.eventId) ? b : a);
}

function groupByCustomer(accepted: readonly AcceptedEvent[]): { customers: CustomerBatch[]; duplicatesInBatch: number } {
  const byCustomer = new Map<string, CustomerBatch & { ids: Set<string> }>();
  let duplicatesInBatch = 0;
  for (const { tenantId, customerId, event, producedAtMs } of accepted) {
    const key = `${tenantId}\u0000${customerId}`;
    let batch = byCustomer.get(key);
    if (!batch) {
      batch = { ref: { tenantId, customerId }, events: [], producedAtMs: [], ids: new Set() };
      byCustomer.set(key, batch);
    }
    if (batch.ids.has(event.eventId)) {
      duplicatesInBatch++;
      continue;
    }
    batch.ids.add(event.eventId);
    batch.events.push(event);
    batch.producedAtMs.push(producedAtMs ?? Number.NaN);
  }
  return { customers: [...byCustomer.values()].map(({ ref, events, producedAtMs }) => ({ ref, events, producedAtMs })), duplicatesInBatch };
}

/**
 * Records new tenants and, with the event clock, reads their watermarks (one round trip,
 * shared with the first read of the customers). A batch is evaluated as of the watermark before
 * it: its own events count once recorded and the clock loop has computed the watermark again.
 */
async function registerTenants(ctx: ApplyContext, customers: readonly CustomerBatch[]): Promise<Map<string, number>> {
  const before = new Map<string, number>();
  const tenants = [...new Set(customers.map((c) => c.ref.tenantId))];
  // Tenants are never removed from the registry: one this process added needs no SADD again
  // (with the wall clock a batch then sends nothing but its read before planning).
  const unregistered = tenants.filter((tenantId) => !ctx.registeredTenants?.has(tenantId));
  const batch = new CommandBatch(ctx.redis);
  if (unregistered.length > 0) batch.add(ctx.keyspace.tenants(), (p) => p.sadd(ctx.keyspace.tenants(), ...unregistered));
  if (!ctx.eventTime) {
    if (batch.length > 0) await batch.exec();
    for (const tenantId of unregistered) ctx.registeredTenants?.add(tenantId);
    return before;
  }
  const first = batch.length;
  for (const tenantId of tenants) batch.add(ctx.keyspace.watermark(tenantId), (p) => p.get(ctx.keyspace.watermark(tenantId)));
  const replies = await batch.exec();
  for (const tenantId of unregistered) ctx.registeredTenants?.add(tenantId);
  tenants.forEach((tenantId, i) => {
    const watermark = Number(replies[first + i] ?? 0);
    // The stored watermark includes what every scorer process has seen.
    ctx.clock.observe(tenantId, watermark);
    before.set(tenantId, watermark);
  });
  return before;
}
