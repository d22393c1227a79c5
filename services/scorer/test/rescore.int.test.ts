import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { computeThresholds, defaultPolicy, evaluate, type ModelEvent, type Thresholds } from '@bondstream/model';
import { createLogger, createMetricsRegistry } from '@bondstream/observability';
import { KeySpace, type OutboxEntryWritten, readCustomerState, readPopulation, readThresholds } from '@bondstream/redis-state';
import { startRedisWithClient, waitFor, type RedisWithClient } from '@bondstream/testkit';
import { applyBatch } from '../src/apply-batch.js';
import { EvaluationClock } from '../src/clock.js';
import { createScorerMetrics } from '../src/metrics.js';
import type { ScoringContext } from '../src/plan.js';
import { reevaluateCustomers } from '../src/reevaluate.js';
import { ThresholdsCache } from '../src/thresholds.js';
import { WriteRounds } from '../src/write-rounds.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const TENANT = 'shop-1';
const BASE = 2_000;

/** Customer i: one to four orders over the last 300 days, amounts spread so the cuts are distinct. */
function ordersOf(i: number, prefix = 'c'): ModelEvent[] {
  const n = 1 + (i % 4);
  return Array.from({ length: n }, (_, k): ModelEvent => ({
    eventId: `${prefix}${i}-o${k}`, type: 'order.placed',
    occurredAtMs: T0 + 300 * DAY - ((i * 7 + k * 53) % 300) * DAY,
    amountCents: 1_000 + ((i * 7_919 + k * 104_729) % 60_000),
  }));
}

describe('thresholds refresh re-scores only the moved band (real redis-server)', () => {
  let local: RedisWithClient;
  let redis: Redis;
  let ctx: ScoringContext;
  let cache: ThresholdsCache;
  let metrics: ReturnType<typeof createScorerMetrics>;
  const keyspace = new KeySpace('bs');
  const rescored = async () => (await metrics.thresholdsRescored.get()).values[0]?.value ?? 0;
  const thresholdChanges = async () =>
    (await metrics.segmentChanges.get()).values.filter((v) => v.labels.cause === 'thresholds').reduce((n, v) => n + v.value, 0);
  const send = (customers: number[], prefix = 'c') =>
    applyBatch(ctx, customers.flatMap((i) => ordersOf(i, prefix).map((event) => ({ tenantId: TENANT, customerId: `${prefix}-${i}`, event }))));

  beforeAll(async () => {
    local = await startRedisWithClient();
    redis = local.redis;
    metrics = createScorerMetrics(createMetricsRegistry('scorer'));
    const clock = new EvaluationClock('event', 0);
    // the watermark the clock loop would reach: every order is dated up to T0 + 300 days
    clock.observe(TENANT, T0 + 300 * DAY);
    const logger = createLogger('scorer', 'silent');
    ctx = {
      redis, keyspace, policy: defaultPolicy, clock, eventTime: null, metrics,
      thresholds: (tenantId) => cache.get(tenantId),
      lifetimeModel: () => null,
      dedupeRetentionMs: 8 * DAY,
      onOutboxWrite: () => undefined,
      writeRounds: new WriteRounds(),
    };
    cache = new ThresholdsCache({ redis, keyspace, policy: defaultPolicy, clock, leaseToken: 'test', writeRounds: ctx.writeRounds, logger, metrics },
      (refs) => reevaluateCustomers(ctx, refs, 'thresholds'));
    for (let i = 0; i < BASE; i += 250) await send(Array.from({ length: 250 }, (_, k) => i + k));
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('the first trusted snapshot switches from absolute to population cuts: everyone is re-scored once', async () => {
    await cache.refresh();
    expect((await readThresholds(redis, keyspace, TENANT))?.activeCustomers).toBe(BASE);
    expect(await rescored()).toBe(BASE);
  });

  it('a small shift of the population re-scores the customers between the old and new cuts, not the base', async () => {
    const before = (await readThresholds(redis, keyspace, TENANT)) as Thresholds;
    const rescoredBefore = await rescored();
    const changesBefore = await thresholdChanges();
    // 40 newcomers with big orders: the profit and monetary cuts move up a little
    await send(Array.from({ length: 40 }, (_, k) => BASE + k * 4 + 3), 'big');
    await cache.refresh();
    const after = (await readThresholds(redis, keyspace, TENANT)) as Thresholds;
    expect(after.version).toBe(before.version + 1);
    expect(after.medianProfitCents).not.toBe(before.medianProfitCents);

    // the band, counted independently from the population indexes: every customer with an index
    // value between an old and a new cut (inclusive)
    const population = await readPopulation(redis, keyspace, TENANT);
    expect(population.lastPurchaseDays).toHaveLength(BASE + 40);
    const between = (v: number, a: number | undefined, b: number | undefined) =>
      a !== undefined && b !== undefined && a !== b && v >= Math.min(a, b) && v <= Math.max(a, b);
    const profitCuts = (t: Thresholds) => [t.medianProfitCents!, t.pyramidProfitCutsCents!.medium, t.pyramidProfitCutsCents!.big, t.pyramidProfitCutsCents!.top];
    const expectedBand = new Set<string>();
    const members = await Promise.all(['recency', 'frequency', 'monetary', 'profit'].map(async (index) => {
      const pairs: [string, number][] = [];
      for (let shard = 0; shard < 16; shard++) {
        const flat = await redis.zrange(keyspace.index(shard, TENANT, index as 'profit'), 0, -1, 'WITHSCORES');
        for (let j = 0; j < flat.length; j += 2) pairs.push([flat[j]!, Number(flat[j + 1])]);
      }
      return [index, pairs] as const;
    }));
    for (const [index, pairs] of members) {
      const cuts: [number[], number[]] =
        index === 'profit' ? [profitCuts(before), profitCuts(after)]
        : index === 'recency' ? [before.lastPurchaseDayCuts!, after.lastPurchaseDayCuts!]
        : index === 'frequency' ? [before.frequencyCuts!, after.frequencyCuts!]
        : [before.monetaryCutsCents!, after.monetaryCutsCents!];
      for (const [customerId, value] of pairs) {
        if (cuts[0].some((c, j) => between(value, c, cuts[1][j]))) expectedBand.add(customerId);
      }
    }
    const rescoredNow = (await rescored()) - rescoredBefore;
    expect(rescoredNow).toBe(expectedBand.size);
    expect(rescoredNow).toBeGreaterThan(0);
    // the counted figure: a small fraction of the base
    expect(rescoredNow / (BASE + 40)).toBeLessThan(0.25);
    console.log(`thresholds refresh re-scored ${rescoredNow} of ${BASE + 40} customers; ${(await thresholdChanges()) - changesBefore} segment changes with cause "thresholds"`);

    // and nobody outside the band needed it: every stored customer agrees with the new snapshot
    const nowMs = ctx.clock.now(TENANT);
    for (let i = 0; i < BASE; i += 7) {
      const state = (await readCustomerState(redis, keyspace, { tenantId: TENANT, customerId: `c-${i}` }))!;
      const fresh = evaluate(state, Math.max(nowMs, state.evaluatedAtMs!), after, defaultPolicy);
      expect({ i, segments: Object.fromEntries(Object.entries(state.segments).map(([d, s]) => [d, s?.value])), rfm: state.rfmScores })
        .toEqual({ i, segments: fresh.segments, rfm: [fresh.scores.r, fresh.scores.f, fresh.scores.m] });
    }
  });

  it('a refresh re-scores its band only after the writes under way at its swap have landed', async () => {
    const order: string[] = [];
    const spying = new ThresholdsCache({
      redis, keyspace, policy: defaultPolicy, clock: ctx.clock, leaseToken: 'test', writeRounds: ctx.writeRounds, logger: createLogger('scorer', 'silent'), metrics,
    },
      async (refs) => {
        order.push('band re-scored');
        return reevaluateCustomers(ctx, refs, 'thresholds');
      });
    // newcomers move the cuts; then a write round (as an event batch planned with the old cuts) stays under way
    await send(Array.from({ length: 40 }, (_, k) => BASE + k * 4 + 1), 'late');
    const versionBefore = (await readThresholds(redis, keyspace, TENANT))!.version;
    let release!: () => void;
    const held = ctx.writeRounds.run(() => new Promise<void>((resolve) => {
      release = resolve;
    }));
    const refreshing = spying.refresh();
    try {
      await waitFor('the new snapshot swapped in', () => ((spying.get(TENANT)?.version ?? 0) > versionBefore ? true : undefined), { timeoutMs: 10_000, intervalMs: 1 });
      // Without the wait, the band read went out with the swap: a round trip on the same connection
      // and a turn of the event loop later its re-score has started.
      await redis.ping();
      await new Promise((resolve) => setImmediate(resolve));
      expect(order).toEqual([]);
    } finally {
      release();
      await held;
      await refreshing;
    }
    expect(order).toEqual(['band re-scored']);
  });

  it('a refresh with an unchanged population moves no cut and re-scores nobody', async () => {
    const rescoredBefore = await rescored();
    await cache.refresh();
    expect(await rescored()).toBe(rescoredBefore);
    const stored = (await readThresholds(redis, keyspace, TENANT))!;
    const { version, computedAtMs, ...cuts } = stored;
    const recomputed = computeThresholds(await readPopulation(redis, keyspace, TENANT), defaultPolicy, version, computedAtMs);
    expect(recomputed).toMatchObject(cuts);
  });

  it('hands the outbox entries it wrote to the fast path, and times each event from its Kafka timestamp to the write', async () => {
    const handed: OutboxEntryWritten[] = [];
    const timed = { ...ctx, onOutboxWrite: (entries: readonly OutboxEntryWritten[]) => void handed.push(...entries) };
    const written = async () => (await metrics.eventLatency.get()).values
      .find((v) => v.labels.stage === 'written' && v.metricName === 'bondstream_event_latency_seconds_count')?.value ?? 0;
    const before = await written();
    const producedAtMs = Date.now() - 50;
    const events = ordersOf(9_001, 'timed').map((event) => ({ tenantId: TENANT, customerId: 'timed-9001', event, producedAtMs }));
    await applyBatch(timed, [...events, { tenantId: TENANT, customerId: 'untimed-9002', event: { ...events[0]!.event, eventId: 'untimed' } }]);
    expect(await written()).toBe(before + events.length); // the event without a timestamp is not timed
    const entries = handed.filter((e) => e.sourceProducedAtMs.length > 0);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.sourceProducedAtMs).toEqual([producedAtMs]);
    expect(entries[0]!.events.some((e) => e.startsWith('timed-9001\u0000'))).toBe(true);
  });

  it('a process adds a tenant once, not with every batch: with the wall clock nothing goes before the read', async () => {
    const live = { ...ctx, keyspace: new KeySpace('tenants'), clock: new EvaluationClock('wall', 0), registeredTenants: new Set<string>() };
    const apply = (n: number) => applyBatch(live, [{ tenantId: TENANT, customerId: 'c-1', event: ordersOf(n)[0]! }]);
    const calls = async (): Promise<Record<string, number>> => {
      const stats = await redis.info('commandstats');
      return Object.fromEntries([...stats.matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map((m) => [m[1] as string, Number(m[2])]));
    };
    await redis.config('RESETSTAT');
    await apply(1);
    expect((await calls()).sadd).toBe(1);
    expect(await redis.smembers(live.keyspace.tenants())).toEqual([TENANT]);
    await redis.config('RESETSTAT');
    await apply(2);
    const second = await calls();
    expect(second.sadd).toBeUndefined();
    expect(second.evalsha).toBe(2); // the read and the atomic step
    expect((await readCustomerState(redis, live.keyspace, { tenantId: TENANT, customerId: 'c-1' }))?.appliedEvents).toBe(2);
  });
});
