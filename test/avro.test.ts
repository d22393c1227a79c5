import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import {
  AVRO_SCHEMAS, createSchemaRegistryClient, decodeCustomerAction, decodeSegmentChange, isConfluentFramed, startFakeSchemaRegistry,
  type FakeSchemaRegistry, type SchemaRegistryClient,
} from '@bondstream/contracts';
import { waitFor } from '@bondstream/testkit';
import { collect, metricValue, startService, startStack, TOPICS, waitForOutcomes, type RunningService, type Stack } from './harness.js';

/**
 * With SCHEMA_REGISTRY_URL set (here the in-repo FAKE of the Confluent Schema Registry REST
 * API: the real one cannot run on these machines), the scorer reads Confluent-framed Avro input
 * next to JSON and publishes segment changes as Confluent-framed Avro; the actions service reads
 * those and publishes its actions as Avro too.
 */
describe('Avro through the Schema Registry (fake)', () => {
  let stack: Stack;
  let registry: FakeSchemaRegistry;
  let client: SchemaRegistryClient;
  let scorer: RunningService;
  let actions: RunningService;

  beforeAll(async () => {
    [stack, registry] = await Promise.all([startStack(), startFakeSchemaRegistry()]);
    client = await createSchemaRegistryClient(registry.url);
    [scorer, actions] = await Promise.all([
      startService('scorer', stack, { SCHEMA_REGISTRY_URL: registry.url }),
      startService('actions', stack, { SCHEMA_REGISTRY_URL: registry.url }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([scorer?.stop(), actions?.stop()]);
    await Promise.all([stack?.stop(), registry?.stop()]);
  });

  it('applies Avro and JSON input and emits Avro segment changes', async () => {
    const { id } = await client.register(AVRO_SCHEMAS.orderEvent, { subject: `${TOPICS.orders}-value` });
    const order = {
      eventId: 'avro-1', type: 'order.placed', tenantId: 'shop-1', customerId: 'c-avro', orderId: '1',
      occurredAt: new Date(Date.now() - 60_000).toISOString(), currency: 'EUR', amount: 99.5, cost: 40, items: null,
    };
    const avroValue = await client.encode(id, order);
    expect(isConfluentFramed(avroValue)).toBe(true);
    const jsonValue = Buffer.from(JSON.stringify({ ...order, eventId: 'json-1', customerId: 'c-json', items: undefined }));

    const producer = new Kafka({ brokers: [stack.kafka.brokers], clientId: 'avro-test', logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic: TOPICS.orders, messages: [{ key: 'c-avro', value: avroValue }, { key: 'c-json', value: jsonValue }] });
    await producer.disconnect();
    await waitForOutcomes(scorer.url, 2);
    expect(await metricValue(scorer.url, 'bondstream_events_consumed_total', { outcome: 'applied' })).toBe(2);

    const out = await collect(stack.kafka.brokers, [TOPICS.segmentChanges]);
    try {
      const messages = await waitFor('6 segment changes', () => (out.messages.length >= 6 ? out.messages : undefined));
      expect(messages.every((m) => isConfluentFramed(m.value!))).toBe(true);
      const changes = await Promise.all(messages.map((m) => decodeSegmentChange(m.value!, { registry: client })));
      expect(new Set(changes.map((c) => c.customerId))).toEqual(new Set(['c-avro', 'c-json']));
      expect(changes.find((c) => c.customerId === 'c-avro' && c.dimension === 'rfm')).toMatchObject({ from: null, to: 'new', cause: { kind: 'event', eventId: 'avro-1' } });
      expect(registry.requests.some((r) => r.includes(`${TOPICS.segmentChanges}-value`))).toBe(true);
    } finally {
      await out.stop();
    }
  });

  it('turns the Avro segment changes into Avro actions', async () => {
    // Each customer's first relationship (a profitable first order, not yet loyal: butterfly).
    await waitFor('2 actions emitted', async () =>
      ((await metricValue(actions.url, 'bondstream_actions_total', { outcome: 'emitted' })) >= 2 ? true : undefined), { timeoutMs: 30_000 });
    expect(await metricValue(actions.url, 'bondstream_events_consumed_total', { outcome: 'dead_lettered' })).toBe(0);
    const out = await collect(stack.kafka.brokers, [TOPICS.actions]);
    try {
      const messages = await waitFor('2 actions', () => (out.messages.length >= 2 ? out.messages : undefined));
      expect(messages.every((m) => isConfluentFramed(m.value!))).toBe(true);
      const published = await Promise.all(messages.map((m) => decodeCustomerAction(m.value!, { registry: client })));
      expect(published.map((a) => [a.customerId, a.action, a.reason]).sort()).toEqual([
        ['c-avro', 'short_term_offer', 'relationship:none->butterfly'],
        ['c-json', 'short_term_offer', 'relationship:none->butterfly'],
      ]);
      expect(registry.requests.some((r) => r.includes(`${TOPICS.actions}-value`))).toBe(true);
    } finally {
      await out.stop();
    }
  });
});
