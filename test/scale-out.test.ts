import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@bondstream/testkit';
import { collect, fetchProfiles, kcatProduce, metricValue, startService, startStack, TOPICS, waitForCommittedEnd, type RunningService, type Stack } from './harness.js';
import { expectedTotals, profileMismatches, readCdnow, toOrderEvent, type ProfileTotals } from './cdnow.js';

/**
 * Two scorer processes in one consumer group share the partitions (and rebalance when the second
 * joins mid-stream); relays share the outbox shards by lease. The result is the same as with one.
 */
describe('two scorers in one consumer group', () => {
  let stack: Stack;
  let api: RunningService;
  const scorers: RunningService[] = [];
  const orders = readCdnow('CDNOW_sample.txt');
  const expected = expectedTotals(orders);

  beforeAll(async () => {
    stack = await startStack();
    api = await startService('api', stack);
  });
  afterAll(async () => {
    await Promise.all([...scorers.map((s) => s.stop()), api?.stop()]);
    await stack?.stop();
  });

  it('splits the work and still gives exact profiles and one first assignment per customer and dimension', async () => {
    scorers.push(await startService('scorer', stack, { CRM_CLOCK: 'event', LOG_LEVEL: process.env.SCALE_OUT_LOG_LEVEL ?? 'info' }));
    const half = Math.floor(orders.length / 2);
    await kcatProduce(stack.kafka.brokers, TOPICS.orders, orders.slice(0, half).map((o) => toOrderEvent(o)));
    // Ready = joined the group: on the mock a join round takes about 25 s, and may need a retry.
    scorers.push(await startService('scorer', stack, { CRM_CLOCK: 'event', LOG_LEVEL: process.env.SCALE_OUT_LOG_LEVEL ?? 'info' }, 150_000));
    await kcatProduce(stack.kafka.brokers, TOPICS.orders, orders.slice(half).map((o) => toOrderEvent(o)));
    await waitForCommittedEnd(stack.kafka.brokers, 'bondstream-scorer', TOPICS.orders);

    const appliedBy = await Promise.all(scorers.map((s) => metricValue(s.url, 'bondstream_events_consumed_total', { outcome: 'applied' })));
    expect(appliedBy[0]! + appliedBy[1]!).toBe(orders.length);
    expect(appliedBy[1]).toBeGreaterThan(0); // the second member got partitions

    const ids = [...expected.keys()];
    expect(profileMismatches(await fetchProfiles<ProfileTotals>(api.url, ids), expected).slice(0, 5)).toEqual([]);

    const out = await collect(stack.kafka.brokers, [TOPICS.segmentChanges]);
    try {
      const firsts = await waitFor('every first assignment published', () => {
        const events = out.messages.map((m) => JSON.parse(m.value!.toString()) as { eventId: string; customerId: string; dimension: string; from: string | null });
        const first = events.filter((e) => e.from === null);
        return new Set(first.map((e) => `${e.customerId}/${e.dimension}`)).size === ids.length * 3 ? first : undefined;
      }, { timeoutMs: 60_000, intervalMs: 200 });
      // At-least-once may repeat a change, but always with the same id: one distinct id per first assignment.
      expect(new Set(firsts.map((e) => e.eventId)).size).toBe(ids.length * 3);
    } finally {
      await out.stop();
    }
  }, 400_000);
});
