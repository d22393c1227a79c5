import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@bondstream/testkit';
import { collect, getJson, kcatProduce, metricValue, startService, startStack, TOPICS, type RunningService, type Stack } from './harness.js';

const orders = (from: number, count: number) => Array.from({ length: count }, (_, i) => {
  const n = from + i;
  const customerId = `c-${n % 100}`;
  return {
    key: customerId,
    value: JSON.stringify({ eventId: `out-${n}`, type: 'order.placed', tenantId: 'shop-1', customerId, orderId: String(n), occurredAt: new Date(Date.now() - n * 60_000).toISOString(), amount: 10 }),
  };
});

/** The broker goes down while the scorer works and comes back: nothing is lost, nothing doubled. */
describe('Kafka outage', () => {
  let stack: Stack;
  let scorer: RunningService;
  let api: RunningService;
  beforeAll(async () => {
    stack = await startStack();
    scorer = await startService('scorer', stack);
    api = await startService('api', stack);
  });
  afterAll(async () => {
    await Promise.all([scorer?.stop(), api?.stop()]);
    await stack?.stop();
  });

  it('resumes after the broker returns, with every event applied once and every change published', async () => {
    await kcatProduce(stack.kafka.brokers, TOPICS.orders, orders(0, 1_000));
    await waitFor('the first 1,000 applied', async () =>
      (await metricValue(scorer.url, 'bondstream_events_consumed_total', { outcome: 'applied' })) === 1_000 ? true : undefined);

    await stack.kafka.setBroker(1, 'down');
    await waitFor('the scorer to notice the outage', () => (/ECONNREFUSED|Connection error|KafkaJSConnectionError|disconnected/i.test(scorer.log()) ? true : undefined), { timeoutMs: 60_000 });
    await stack.kafka.setBroker(1, 'up');

    await kcatProduce(stack.kafka.brokers, TOPICS.orders, orders(1_000, 1_000));
    await waitFor('all 2,000 applied', async () =>
      (await metricValue(scorer.url, 'bondstream_events_consumed_total', { outcome: 'applied' })) === 2_000 ? true : undefined, { timeoutMs: 120_000 });
    expect(scorer.process.exitCode).toBeNull();

    for (const id of ['c-0', 'c-57', 'c-99']) {
      const { body } = await getJson<{ lifetime: { orders: number } }>(`${api.url}/v1/customers/${id}?tenant=shop-1`);
      expect(body.lifetime.orders, id).toBe(20);
    }
    const out = await collect(stack.kafka.brokers, [TOPICS.segmentChanges]);
    try {
      await waitFor('the outbox to be published', async () => {
        const written = await metricValue(scorer.url, 'bondstream_segment_changes_total');
        const ids = new Set(out.messages.map((m) => (JSON.parse(m.value!.toString()) as { eventId: string }).eventId));
        return written > 0 && ids.size === written ? true : undefined;
      }, { timeoutMs: 60_000 });
    } finally {
      await out.stop();
    }
  }, 300_000);
});
