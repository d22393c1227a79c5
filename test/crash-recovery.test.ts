import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@bondstream/testkit';
import { fetchProfiles, getJson, kcatProduce, metricValue, startService, startStack, TOPICS, waitForCommittedEnd, type RunningService, type Stack } from './harness.js';
import { expectedTotals, profileMismatches, readCdnow, toOrderEvent, type ProfileTotals } from './cdnow.js';

/**
 * The whole CDNOW master log (69,659 orders, 23,570 customers); the scorer is killed with
 * SIGKILL while it works through it, and a new one finishes the job. Offsets committed only
 * after outcomes are durable plus per-event dedupe mean nothing is lost and nothing counts twice.
 */
describe('scorer killed mid-stream', () => {
  let stack: Stack;
  let api: RunningService;
  const scorers: RunningService[] = [];
  const orders = readCdnow('CDNOW_master.txt');
  const expected = expectedTotals(orders);

  beforeAll(async () => {
    stack = await startStack();
    api = await startService('api', stack);
  });
  afterAll(async () => {
    await Promise.all([...scorers.map((s) => s.stop()), api?.stop()]);
    await stack?.stop();
  });

  it('loses nothing and counts nothing twice', async () => {
    expect(orders).toHaveLength(69_659);
    const first = await startService('scorer', stack, { CRM_CLOCK: 'event' });
    scorers.push(first);
    await kcatProduce(stack.kafka.brokers, TOPICS.orders, orders.map((o) => toOrderEvent(o)));

    const appliedAtKill = await waitFor('the scorer to be mid-stream', async () => {
      const applied = await metricValue(first.url, 'bondstream_events_consumed_total', { outcome: 'applied' });
      return applied >= 10_000 ? applied : undefined;
    }, { intervalMs: 20 });
    await first.kill();
    expect(appliedAtKill).toBeLessThan(orders.length);

    const second = await startService('scorer', stack, { CRM_CLOCK: 'event' });
    scorers.push(second);
    await waitForCommittedEnd(stack.kafka.brokers, 'bondstream-scorer', TOPICS.orders);
    // The restarted scorer re-read what the killed one had not committed: duplicates, not re-applied.
    const applied = await metricValue(second.url, 'bondstream_events_consumed_total', { outcome: 'applied' });
    expect(applied).toBeLessThanOrEqual(orders.length - appliedAtKill);
    expect(await metricValue(second.url, 'bondstream_events_consumed_total', { outcome: 'dead_lettered' })).toBe(0);

    const customerIds = [...expected.keys()];
    const profiles = await fetchProfiles<ProfileTotals>(api.url, customerIds);
    expect(profileMismatches(profiles, expected).slice(0, 5)).toEqual([]);
    expect(customerIds).toHaveLength(23_570);

    const { body: counts } = await getJson<{ dimensions: Record<string, Record<string, number>> }>(`${api.url}/v1/segments`);
    expect(Object.values(counts.dimensions.pyramid!).reduce((a, b) => a + b, 0)).toBe(23_570);
  }, 300_000); // 69,659 events, a 30 s session timeout for the killed member, 23,570 profiles
});
