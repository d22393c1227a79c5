/**
 * What the scorer's throughput is compared with besides the Kafka ceiling: the Redis ceiling
 * (its atomic per-customer write alone) and a naive GET/apply/SET consumer.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { loadPolicy } from '@bondstream/config';
import { decodeJsonInput } from '@bondstream/contracts';
import {
  appendChanges, applyEvents, assignSegments, decodeState, emptyState, encodeState, evaluate, nextDueMs, toCents, type ModelEvent,
} from '@bondstream/model';
import { KeySpace, writeCustomers, type CustomerWrite } from '@bondstream/redis-state';
import { redisCpuSeconds, timedConsume } from './shared.js';
import { rate, round } from './stats.js';
import { cpuTimes, stealShare } from './steal.js';

/** Phase 4: the scorer's own atomic per-customer step (writeCustomers) alone, with synthetic one-event writes. */
export async function redisCeiling(redisUrl: string, changesPerEvent: number) {
  const redis = new Redis(redisUrl);
  try {
    const policy = loadPolicy(null);
    const keyspace = new KeySpace('rceil');
    const nowMs = Date.parse('1998-06-30T00:00:00Z');
    const build = (prefix: string, n: number): CustomerWrite[] => Array.from({ length: n }, (_, i) => {
      const ref = { tenantId: 'default', customerId: `${prefix}-${i}` };
      const event: ModelEvent = { eventId: `${prefix}-e-${i}`, type: 'order.placed', occurredAtMs: nowMs - (i % 500) * 86_400_000, amountCents: 1_177 + (i % 9_000) };
      const applied = applyEvents(emptyState(), [event], nowMs, policy);
      const evaluation = evaluate(applied, nowMs, null, policy);
      const { state, changes, heldUntilMs } = assignSegments(applied, evaluation, nowMs, policy);
      return {
        stored: { ref, keys: keyspace.customer(ref), version: 0, state: null, alreadyApplied: new Set<string>(), dueAtMs: null, ledger: new Map(), ledgerKeys: new Map(), history: null },
        state, appliedEventIds: [event.eventId], index: evaluation.index,
        dueAtMs: nextDueMs(state, nowMs, null, policy, heldUntilMs),
        // as many segment changes per write as the scorer wrote per event on CDNOW_master
        outbox: changes.slice(0, Math.min(changes.length, Math.floor((i + 1) * changesPerEvent) - Math.floor(i * changesPerEvent))).map((c) => ({
          fromKey: null, toKey: `${c.dimension}:${c.to}`,
          // the size and shape of a stored segment change (DESIGN section 3)
          event: JSON.stringify({ eventId: randomUUID(), tenantId: ref.tenantId, customerId: ref.customerId, dimension: c.dimension, from: null, to: c.to, occurredAt: new Date(event.occurredAtMs).toISOString(), cause: { kind: 'event', eventId: event.eventId }, scores: evaluation.scores, stateVersion: 1 }),
        })),
        changesAtMs: event.occurredAtMs,
        history: appendChanges(null, changes, event.occurredAtMs, 'event'),
      };
    });
    const configs = [{ depth: 32, inFlight: 4 }, { depth: 256, inFlight: 2 }, { depth: 1_000, inFlight: 1 }];
    const results: { depth: number; inFlight: number; eventsPerSecond: number; redisCpuShare: number; stealShare: number }[] = [];
    for (const [k, { depth, inFlight }] of configs.entries()) {
      const writes = build(`rc${k}`, 20_000);
      await writeCustomers(redis, writes.slice(0, 10), { wallNowMs: Date.now(), dedupeRetentionMs: 8 * 86_400_000 }); // loads the scripts
      const rest = writes.slice(10);
      const cpuBefore = await redisCpuSeconds(redis);
      const machineBefore = cpuTimes();
      const started = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: inFlight }, async () => {
        while (next < rest.length) {
          const chunk = rest.slice(next, next + depth);
          next += depth;
          const result = await writeCustomers(redis, chunk, { wallNowMs: Date.now(), dedupeRetentionMs: 8 * 86_400_000 });
          if (result.conflicts.length > 0) throw new Error('synthetic customers conflicted');
        }
      }));
      const ms = performance.now() - started;
      const steal = round(stealShare(machineBefore, cpuTimes()), 3);
      results.push({ depth, inFlight, eventsPerSecond: rate(rest.length, ms), redisCpuShare: round((await redisCpuSeconds(redis) - cpuBefore) / (ms / 1000), 2), stealShare: steal });
    }
    const best = results.reduce((a, b) => (b.eventsPerSecond > a.eventsPerSecond ? b : a));
    return { eventsPerSecond: best.eventsPerSecond, stealShare: best.stealShare, configs: results };
  } finally {
    redis.disconnect();
  }
}

/** Phase 5: the naive baseline: per event GET the state, apply, SET it back; no batching, no pipelining. */
export async function naive(kafka: Kafka, redisUrl: string, events: number): Promise<{ eventsPerSecond: number; stealShare: number }> {
  const redis = new Redis(redisUrl);
  const policy = loadPolicy(null);
  try {
    return await timedConsume(kafka, 'bench-naive', 0, events, (count, done) => ({
      eachMessage: async ({ message }) => {
        if (done()) return;
        const decoded = decodeJsonInput(message.value as Buffer);
        if (!decoded.ok || decoded.event.type === 'interaction') throw new Error('unexpected message in the orders topic');
        const e = decoded.event;
        const key = `naive:{${e.tenantId}:${e.customerId}}`;
        const stored = await redis.getBuffer(key); // binary state
        const occurredAtMs = Date.parse(e.occurredAt);
        const updated = applyEvents(stored === null ? emptyState() : decodeState(stored), [
          { eventId: e.eventId, type: e.type, occurredAtMs, amountCents: toCents(e.amount) },
        ], occurredAtMs, policy);
        const { state } = assignSegments(updated, evaluate(updated, occurredAtMs, null, policy), occurredAtMs, policy);
        await redis.set(key, encodeState(state));
        count(1);
      },
    }));
  } finally {
    redis.disconnect();
  }
}
