import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { DEFAULT_TOPICS } from '@bondstream/contracts';
import { KeySpace, readWatermark } from '@bondstream/redis-state';
import { waitFor } from '@bondstream/testkit';
import {
  collect, kcatProduce, metricValue, startService, startStack, TOPICS, waitForCommittedEnd, type RunningService, type Stack,
} from './harness.js';
import { readCdnow, toOrderEvent, type CdnowOrder } from './cdnow.js';
import { longLapsed, pyramidHistories, waitForLapseHistories } from './event-history.js';

/** The input topics with six partitions each (the output topics as local runs have them). */
const SIX_PARTITION_TOPICS = [
  `${DEFAULT_TOPICS.orders}:6`, `${DEFAULT_TOPICS.interactions}:6`,
  `${DEFAULT_TOPICS.segmentChanges}:4`, `${DEFAULT_TOPICS.actions}:4`, `${DEFAULT_TOPICS.dlq}:1`,
];

/**
 * Issue 14: a backfill in time order spread over six partitions and two scorers keeps every
 * transition. The CDNOW sample plus a customer with one order on 1997-01-02 is produced by kcat
 * (keyed by customer) before the scorers start, so each partition is a backlog drained at its
 * own pace, through a rebalance when the second scorer joins.
 */
describe('event time over six partitions and two scorers (CDNOW sample)', () => {
  let stack: Stack;
  const scorers: RunningService[] = [];
  let out: Awaited<ReturnType<typeof collect>>;
  const single: CdnowOrder = { line: 100_000, customerId: 'single-1997-01-02', date: '1997-01-02', amount: 12.5 };
  const orders = [...readCdnow('CDNOW_sample.txt'), single].sort((a, b) => a.date.localeCompare(b.date) || a.line - b.line);
  const lapsed = longLapsed(orders);

  beforeAll(async () => {
    stack = await startStack({ topics: SIX_PARTITION_TOPICS });
    await kcatProduce(stack.kafka.brokers, TOPICS.orders, orders.map((o) => toOrderEvent(o)));
    out = await collect(stack.kafka.brokers, [TOPICS.segmentChanges]);
    scorers.push(...await Promise.all([0, 1].map(() => startService('scorer', stack, { CRM_CLOCK: 'event' }, 150_000))));
  }, 200_000);
  afterAll(async () => {
    await out?.stop();
    await Promise.all(scorers.map((s) => s.stop()));
    await stack?.stop();
  });

  it('first places every long-lapsed customer in an active tier, then moves them to inactive by the clock', async () => {
    expect(lapsed.has(single.customerId)).toBe(true);
    // customers whose last order is over 365 days before the data's end: most of the sample's lapsed
    expect(lapsed.size).toBeGreaterThan(1_500);
    console.log(`checking the pyramid history of ${lapsed.size} long-lapsed customers`);
    await waitForCommittedEnd(stack.kafka.brokers, 'bondstream-scorer', TOPICS.orders);
    const applied = await Promise.all(scorers.map((s) => metricValue(s.url, 'bondstream_events_consumed_total', { outcome: 'applied' })));
    expect(applied.reduce((a, b) => a + b, 0)).toBe(orders.length);

    const problems = await waitForLapseHistories(out.messages, lapsed, 120_000);
    expect({ wrong: problems.length, first: problems.slice(0, 5) }).toEqual({ wrong: 0, first: [] });

    const history = pyramidHistories(out.messages).get(single.customerId)!;
    expect(history[0]!.from).toBeNull();
    const inactive = history.find((c) => c.to === 'inactive')!;
    expect(inactive.cause).toEqual({ kind: 'clock' });
    expect(inactive.occurredAt.slice(0, 10) >= '1998-01-02').toBe(true);
  }, 200_000);
});

/**
 * Idleness: a partition that stops receiving holds the watermark back for
 * CRM_IDLE_PARTITION_SECONDS, no longer, and holds it again when its data comes back.
 */
describe('an idle partition (CRM_IDLE_PARTITION_SECONDS)', () => {
  const IDLE_SECONDS = 4;
  const TENANT = 'idle-shop';
  const DAY_MS = 86_400_000;
  const D0 = Date.UTC(2024, 0, 1);
  let stack: Stack;
  let scorer: RunningService;
  let redis: Redis;
  let sent = 0;
  const keyspace = new KeySpace('bs');
  const watermark = () => readWatermark(redis, keyspace, TENANT);
  const order = (partition: number, atMs: number) => ({
    key: `c-${partition}`,
    value: JSON.stringify({
      eventId: `idle-${sent++}`, type: 'order.placed', tenantId: TENANT, customerId: `c-${partition}`, orderId: `o-${sent}`,
      occurredAt: new Date(atMs).toISOString(), currency: 'EUR', amount: 10,
    }),
  });
  /** Produces one order to each partition and waits until the scorer has applied it. */
  const send = async (at: Record<number, number>) => {
    for (const [partition, atMs] of Object.entries(at)) await kcatProduce(stack.kafka.brokers, TOPICS.orders, [order(Number(partition), atMs)], Number(partition));
    await waitFor(`${sent} orders applied`, async () =>
      (await metricValue(scorer.url, 'bondstream_events_consumed_total', { outcome: 'applied' })) === sent ? true : undefined,
    { timeoutMs: 30_000, intervalMs: 50 });
    return performance.now();
  };

  beforeAll(async () => {
    stack = await startStack();
    redis = new Redis(stack.redis.url);
    scorer = await startService('scorer', stack, { CRM_CLOCK: 'event', CRM_IDLE_PARTITION_SECONDS: String(IDLE_SECONDS) });
  });
  afterAll(async () => {
    redis?.disconnect();
    await scorer?.stop();
    await stack?.stop();
  });

  it('stops holding the watermark back after the idle time, not before, and holds it again when data returns', async () => {
    const atDay = (day: number) => D0 + day * DAY_MS;
    // Every orders partition sees day 0, then partition 3 stops while partitions 0-2 move on.
    const quietFrom = await send({ 0: atDay(0), 1: atDay(0), 2: atDay(0), 3: atDay(0) });
    let day = 0;
    let passedAfterMs = 0;
    let heldBackSeconds = 0;
    for (;;) {
      day += 1;
      await send({ 0: atDay(day), 1: atDay(day), 2: atDay(day) });
      const watermarkMs = await watermark();
      const quietMs = performance.now() - quietFrom;
      if (watermarkMs > atDay(0)) {
        passedAfterMs = quietMs;
        // partitions 0-2 still count: never past the newest of any of them
        expect(watermarkMs).toBeLessThanOrEqual(atDay(day));
        break;
      }
      // held by partition 3 (and the interactions partitions, which never had data) until idle, no longer
      expect(quietMs).toBeLessThanOrEqual((IDLE_SECONDS + 3) * 1_000);
      heldBackSeconds = Math.max(heldBackSeconds, await metricValue(scorer.url, 'bondstream_watermark_held_back_seconds'));
    }
    // SREs see the hold: newest event (days 1…) against the watermark (day 0)
    expect(heldBackSeconds).toBeGreaterThanOrEqual(DAY_MS / 1_000);
    // its last order was applied before `quietFrom` was taken: not idle before the idle time
    expect(passedAfterMs).toBeGreaterThanOrEqual(IDLE_SECONDS * 1_000 - 100);

    // Partition 3 comes back ten days behind the others: while its data is fresh, it holds the watermark again.
    const back = atDay(day + 10);
    const ahead = atDay(day + 20);
    const returnedAt = await send({ 3: back, 0: ahead, 1: ahead, 2: ahead });
    await waitFor('the watermark at partition 3\'s newest event', async () => ((await watermark()) >= back ? true : undefined),
      { timeoutMs: (IDLE_SECONDS + 10) * 1_000, intervalMs: 50 });
    const heldMs = await watermark();
    if (performance.now() - returnedAt < IDLE_SECONDS * 1_000) expect(heldMs).toBe(back);
    await waitFor('every partition idle: the watermark at the newest event', async () =>
      ((await watermark()) === ahead ? true : undefined), { timeoutMs: (IDLE_SECONDS + 10) * 1_000, intervalMs: 50 });
    await waitFor('nothing held back', async () =>
      ((await metricValue(scorer.url, 'bondstream_watermark_held_back_seconds')) === 0 ? true : undefined), { timeoutMs: 5_000, intervalMs: 50 });
  }, 90_000);
});
