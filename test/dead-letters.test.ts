import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@bondstream/testkit';
import { collect, getJson, kcatProduce, metricValue, startService, startStack, TOPICS, waitForOutcomes, type RunningService, type Stack } from './harness.js';

const order = (n: number, extra: Record<string, unknown> = {}) => ({
  eventId: `dl-ord-${n}`, type: 'order.placed', tenantId: 'shop-1', customerId: 'c-ok', orderId: String(n),
  occurredAt: '2026-11-01T10:00:00Z', currency: 'EUR', amount: 10 + n, cost: 4, ...extra,
});

/**
 * Bad input of every kind goes to crm.dlq.v1 with its reason, unchanged, and the scorer keeps
 * applying the valid events sent after it.
 */
describe('dead letters', () => {
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

  it('routes each bad message to the DLQ with its reason and loses no valid event sent after them', async () => {
    const farFuture = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const bad: { key: string; value: string; reason: string }[] = [
      { key: 'c-bad1', value: '{"eventId": "x", "type": "order.placed", ', reason: 'invalid_json' },
      { key: 'c-bad2', value: JSON.stringify({ ...order(90), customerId: undefined }), reason: 'schema_violation' },
      { key: 'c-bad3', value: JSON.stringify(order(91, { amount: -25 })), reason: 'schema_violation' },
      { key: 'c-bad4', value: JSON.stringify(order(92, { occurredAt: farFuture })), reason: 'future_timestamp' },
      { key: 'c-bad5', value: JSON.stringify({ ...order(93), type: 'interaction', channel: 'pigeon', kind: 'visit' }), reason: 'schema_violation' },
      // Unset dates at a platform: before the policy's earliest plausible date (1990-01-01).
      { key: 'c-bad6', value: JSON.stringify({ ...order(94), customerId: 'c-bad6', occurredAt: '0001-01-01T00:00:00Z' }), reason: 'implausible_timestamp' },
      { key: 'c-bad7', value: JSON.stringify({ ...order(95), customerId: 'c-bad7', occurredAt: '1970-01-01T00:00:00Z' }), reason: 'implausible_timestamp' },
    ];
    // Old but plausible (the CDNOW sample starts in 1997): applied, to lifetime totals only.
    const old = { key: 'c-1997', value: JSON.stringify({ ...order(96), customerId: 'c-1997', occurredAt: '1997-01-02T00:00:00Z' }) };
    const good = Array.from({ length: 20 }, (_, i) => ({ key: 'c-ok', value: JSON.stringify(order(i)) }));
    const dlq = await collect(stack.kafka.brokers, [TOPICS.dlq]);
    try {
      // Interleaved: valid events before, between and after the bad ones.
      await kcatProduce(stack.kafka.brokers, TOPICS.orders, [...good.slice(0, 5), ...bad.slice(0, 3), ...good.slice(5, 12), ...bad.slice(3), old, ...good.slice(12)]);
      await waitForOutcomes(scorer.url, good.length + 1 + bad.length);
      expect(await metricValue(scorer.url, 'bondstream_events_consumed_total', { outcome: 'applied' })).toBe(good.length + 1);
      expect(await metricValue(scorer.url, 'bondstream_events_consumed_total', { outcome: 'dead_lettered' })).toBe(bad.length);

      const letters = await waitFor('all dead letters', () => (dlq.messages.length >= bad.length ? dlq.messages : undefined));
      expect(letters).toHaveLength(bad.length);
      for (const sent of bad) {
        const letter = letters.find((m) => m.key === sent.key);
        expect(letter, sent.key).toBeDefined();
        expect(letter!.value!.toString()).toBe(sent.value); // the original bytes, unchanged
        expect(letter!.headers['error.reason']).toBe(sent.reason);
        expect(letter!.headers['error.detail']!.length).toBeGreaterThan(0);
        expect(letter!.headers['source.topic']).toBe(TOPICS.orders);
        expect(Number(letter!.headers['source.offset'])).toBeGreaterThanOrEqual(0);
        expect(letter!.headers['source.partition']).toMatch(/^\d+$/);
      }
      expect(letters.find((m) => m.key === 'c-bad3')!.headers['error.detail']).toContain('amount');
      expect(letters.find((m) => m.key === 'c-bad6')!.headers['error.detail'])
        .toBe("occurredAt 0001-01-01T00:00:00Z is before the policy's earliest plausible date 1990-01-01");
      expect(letters.find((m) => m.key === 'c-bad7')!.headers['error.detail']).toContain('1970-01-01T00:00:00Z');
      // Dead-lettered, not applied: the customers of the implausible dates do not exist.
      expect((await getJson(`${api.url}/v1/customers/c-bad6?tenant=shop-1`)).status).toBe(404);
      expect((await getJson(`${api.url}/v1/customers/c-bad7?tenant=shop-1`)).status).toBe(404);
      const applied = await getJson<{ firstPurchaseAt: string | null; lifetime: { orders: number } }>(`${api.url}/v1/customers/c-1997?tenant=shop-1`);
      expect(applied.status).toBe(200);
      expect(applied.body.firstPurchaseAt).toBe('1997-01-02T00:00:00Z');
      expect(applied.body.lifetime.orders).toBe(1);

      const { status, body } = await getJson<{ lifetime: { orders: number; revenue: number } }>(`${api.url}/v1/customers/c-ok?tenant=shop-1`);
      expect(status).toBe(200);
      expect(body.lifetime.orders).toBe(good.length);
      expect(body.lifetime.revenue).toBe(good.reduce((sum, _, i) => sum + 10 + i, 0));
      expect(scorer.process.exitCode).toBeNull();
    } finally {
      await dlq.stop();
    }
  });

  it('answers 404 for an unknown customer and 400 for an invalid id', async () => {
    expect((await getJson(`${api.url}/v1/customers/nobody?tenant=shop-1`)).status).toBe(404);
    expect((await getJson(`${api.url}/v1/customers/${encodeURIComponent('a{b}')}?tenant=shop-1`)).status).toBe(400);
  });
});
