import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collect, fetchProfiles, getJson, kcatProduce, metricValue, startService, startStack, TOPICS, waitForOutcomes, waitForSettled, writePolicyFile,
  type RunningService, type Stack,
} from './harness.js';
import { expectedTotals, profileMismatches, readCdnow, toOrderEvent, type ProfileTotals } from './cdnow.js';

interface Profile extends ProfileTotals {
  stateVersion: number;
  segments: Record<'relationship' | 'pyramid' | 'rfm', { value: string; since: string } | null>;
}

/**
 * The real CDNOW sample (6,919 orders of 2,357 customers) sent by kcat, an independent client,
 * to the scorer and API running as processes with CRM_CLOCK=event.
 */
describe('CDNOW sample through the running services', () => {
  let stack: Stack;
  let scorer: RunningService;
  let api: RunningService;
  const orders = readCdnow('CDNOW_sample.txt');
  const expected = expectedTotals(orders);
  const customerIds = [...expected.keys()];
  let firstPass: Map<string, { status: number; body: Profile }>;

  beforeAll(async () => {
    stack = await startStack();
    // refreshed every second, so the scorer settles quickly after the last event
    scorer = await startService('scorer', stack, { CRM_CLOCK: 'event', CRM_POLICY_FILE: writePolicyFile('cdnow', { thresholds: { refreshSeconds: 1 } }) });
    api = await startService('api', stack);
  });
  afterAll(async () => {
    await Promise.all([scorer?.stop(), api?.stop()]);
    await stack?.stop();
  });

  it('reads the whole dataset', () => {
    expect(orders).toHaveLength(6_919);
    expect(customerIds).toHaveLength(2_357);
  });

  it('gives every customer exact lifetime orders, revenue, first and last purchase, and all three segments', async () => {
    await kcatProduce(stack.kafka.brokers, TOPICS.orders, orders.map((o) => toOrderEvent(o)));
    await waitForOutcomes(scorer.url, orders.length);
    expect(await metricValue(scorer.url, 'bondstream_events_consumed_total', { outcome: 'applied' })).toBe(orders.length);
    await waitForSettled(stack, scorer.url);

    firstPass = await fetchProfiles<Profile>(api.url, customerIds);
    expect(profileMismatches(firstPass, expected).slice(0, 5)).toEqual([]);
    const unsegmented = customerIds.filter((id) => Object.values(firstPass.get(id)!.body.segments).some((s) => s === null));
    expect(unsegmented).toEqual([]);

    const { body: counts } = await getJson<{ dimensions: Record<string, Record<string, number>> }>(`${api.url}/v1/segments?tenant=default`);
    for (const dimension of ['relationship', 'pyramid', 'rfm']) {
      const total = Object.values(counts.dimensions[dimension]!).reduce((a, b) => a + b, 0);
      expect(total, dimension).toBe(customerIds.length);
    }
  }, 180_000);

  it('publishes a first assignment in every dimension for every customer', async () => {
    const out = await collect(stack.kafka.brokers, [TOPICS.segmentChanges]);
    try {
      const { waitFor } = await import('@bondstream/testkit');
      const firsts = await waitFor('first assignments on the output topic', () => {
        const events = out.messages.map((m) => JSON.parse(m.value!.toString()) as { customerId: string; dimension: string; from: string | null });
        const first = new Set(events.filter((e) => e.from === null).map((e) => `${e.customerId}/${e.dimension}`));
        return first.size >= customerIds.length * 3 ? first : undefined;
      }, { timeoutMs: 60_000, intervalMs: 200 });
      expect(firsts.size).toBe(customerIds.length * 3);
    } finally {
      await out.stop();
    }
  }, 180_000);

  it('changes nothing when the same events are sent again', async () => {
    await kcatProduce(stack.kafka.brokers, TOPICS.orders, orders.map((o) => toOrderEvent(o)));
    await waitForOutcomes(scorer.url, orders.length * 2);
    expect(await metricValue(scorer.url, 'bondstream_events_consumed_total', { outcome: 'duplicate' })).toBe(orders.length);
    await waitForSettled(stack, scorer.url);
    const secondPass = await fetchProfiles<Profile>(api.url, customerIds);
    const changed = customerIds.filter((id) => JSON.stringify(secondPass.get(id)) !== JSON.stringify(firstPass.get(id)));
    expect(changed).toEqual([]);
  }, 180_000);
});
