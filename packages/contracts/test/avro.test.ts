import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AVRO_NAMESPACE,
  AVRO_SCHEMAS,
  DEAD_LETTER_REASONS,
  DEFAULT_TOPICS,
  InputDecoder,
  OutputEncoder,
  RestSchemaRegistryClient,
  createSchemaRegistryClient,
  decodeCustomerAction,
  decodeSegmentChange,
  startFakeSchemaRegistry,
  type DecodeResult,
  type FakeSchemaRegistry,
} from '../src/index.js';
import { actionExample, firstAssignmentExample, interactionExample, orderExample, segmentChangeExample } from './fixtures.js';

let fake: FakeSchemaRegistry;
let registry: RestSchemaRegistryClient;

beforeAll(async () => {
  fake = await startFakeSchemaRegistry();
  registry = new RestSchemaRegistryClient({ host: fake.url });
});
afterAll(async () => {
  await fake.stop();
});

async function produceAvro(schema: (typeof AVRO_SCHEMAS)[keyof typeof AVRO_SCHEMAS], topic: string, value: unknown) {
  const { id } = await registry.register(schema, { subject: `${topic}-value` });
  return registry.encode(id, value);
}

function success(result: DecodeResult) {
  if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
  return result.event;
}

describe('Avro schema files', () => {
  it('are named records in the v1 namespace', () => {
    for (const schema of Object.values(AVRO_SCHEMAS)) {
      expect(schema.type).toBe('record');
      expect(schema.namespace).toBe(AVRO_NAMESPACE);
    }
  });
});

describe('Avro input through the fake registry', () => {
  it('decodes a Confluent-framed order into the same event as its JSON', async () => {
    const buffer = await produceAvro(AVRO_SCHEMAS.orderEvent, DEFAULT_TOPICS.orders, orderExample);
    expect(buffer[0]).toBe(0);
    const event = success(await new InputDecoder({ registry }).decode(buffer));
    expect(event).toEqual(orderExample);
  });

  it('turns Avro nulls of optional fields into absent fields', async () => {
    const minimal = { eventId: 'tkt-78', type: 'interaction', customerId: 'c-42', occurredAt: '2026-11-20T11:00:00+01:00', channel: 'chat', kind: 'complaint' };
    const buffer = await produceAvro(AVRO_SCHEMAS.interactionEvent, DEFAULT_TOPICS.interactions, minimal);
    const event = success(await new InputDecoder({ registry }).decode(buffer));
    expect(event).toEqual({ ...minimal, tenantId: 'default' });
    expect(Object.keys(event)).not.toContain('cost');
    expect(Object.keys(event)).not.toContain('satisfaction');
  });

  it('decodes a Confluent-framed interaction', async () => {
    const buffer = await produceAvro(AVRO_SCHEMAS.interactionEvent, DEFAULT_TOPICS.interactions, interactionExample);
    expect(success(await new InputDecoder({ registry }).decode(buffer))).toEqual(interactionExample);
  });

  it('validates decoded Avro with the same rules as JSON (zero refund)', async () => {
    const buffer = await produceAvro(AVRO_SCHEMAS.orderEvent, DEFAULT_TOPICS.orders, { ...orderExample, type: 'order.refunded', amount: 0 });
    const result = await new InputDecoder({ registry }).decode(buffer);
    expect(result).toMatchObject({ ok: false, reason: 'schema_violation' });
    expect(!result.ok && result.detail).toMatch(/^amount: /);
  });

  it('dead-letters an unknown schema id as unknown_schema', async () => {
    const framed = Buffer.from([0, 0, 0, 0x30, 0x39, 2, 120]); // id 12345
    const result = await new InputDecoder({ registry }).decode(framed);
    expect(result).toMatchObject({ ok: false, reason: 'unknown_schema' });
    expect(!result.ok && result.detail).toContain('12345');
  });

  it('dead-letters a body that does not match its writer schema as schema_violation', async () => {
    const good = await produceAvro(AVRO_SCHEMAS.orderEvent, DEFAULT_TOPICS.orders, orderExample);
    const decoder = new InputDecoder({ registry });
    const truncated = await decoder.decode(good.subarray(0, good.length - 3));
    expect(truncated).toMatchObject({ ok: false, reason: 'schema_violation' });
    const trailing = await decoder.decode(Buffer.concat([good, Buffer.from([1, 2, 3])]));
    expect(trailing).toMatchObject({ ok: false, reason: 'schema_violation' });
  });

  it('dead-letters a record of another schema (a segment change on the orders topic)', async () => {
    const buffer = await produceAvro(AVRO_SCHEMAS.segmentChange, 'misrouted', segmentChangeExample);
    const result = await new InputDecoder({ registry }).decode(buffer);
    expect(result).toMatchObject({ ok: false, reason: 'schema_violation' });
  });

  it('dead-letters as unknown_schema, without throwing, when the registry is unreachable', async () => {
    const stopped = await startFakeSchemaRegistry();
    await stopped.stop();
    const decoder = new InputDecoder({ registry: new RestSchemaRegistryClient({ host: stopped.url, timeoutMs: 2_000 }) });
    const result = await decoder.decode(Buffer.from([0, 0, 0, 0, 1, 2, 120]));
    expect(result).toMatchObject({ ok: false, reason: 'unknown_schema' });
    expect(!result.ok && result.detail).toMatch(/ECONNREFUSED/);
  });

  it('never throws on arbitrary Confluent-framed bytes', async () => {
    const { id } = await registry.register(AVRO_SCHEMAS.orderEvent, { subject: `${DEFAULT_TOPICS.orders}-value` });
    const decoder = new InputDecoder({ registry });
    const reasons = new Set<string>(DEAD_LETTER_REASONS);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (body) => {
        const header = Buffer.from([0, 0, 0, 0, id]);
        const result = await decoder.decode(Buffer.concat([header, Buffer.from(body)]));
        if (!result.ok) expect(reasons.has(result.reason)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('OutputEncoder', () => {
  it('writes UTF-8 JSON without a registry, which decodes back to the same events', async () => {
    const encoder = new OutputEncoder();
    const change = await encoder.encodeSegmentChange(segmentChangeExample);
    expect(JSON.parse(change.toString('utf8'))).toEqual(segmentChangeExample);
    expect(await decodeSegmentChange(change)).toEqual(segmentChangeExample);
    expect(await decodeSegmentChange(await encoder.encodeSegmentChange(firstAssignmentExample))).toEqual(firstAssignmentExample);
    expect(await decodeCustomerAction(await encoder.encodeAction(actionExample))).toEqual(actionExample);
  });

  it('refuses a malformed output instead of publishing it', async () => {
    const encoder = new OutputEncoder();
    const bad = { ...segmentChangeExample, dimension: 'mood' } as unknown as typeof segmentChangeExample;
    await expect(encoder.encodeSegmentChange(bad)).rejects.toThrow(/dimension/);
  });

  it('writes Confluent Avro under <topic>-value, registering each subject once', async () => {
    const fresh = await startFakeSchemaRegistry();
    try {
      const client = new RestSchemaRegistryClient({ host: fresh.url });
      const topics = { segmentChanges: 'test.segment-changes', actions: 'test.actions' };
      const encoder = new OutputEncoder({ registry: client, topics });
      const buffers = await Promise.all([
        encoder.encodeSegmentChange(segmentChangeExample),
        encoder.encodeSegmentChange(firstAssignmentExample),
        encoder.encodeAction(actionExample),
        encoder.encodeAction(actionExample),
      ]);
      for (const buffer of buffers) expect(buffer[0]).toBe(0);
      const registrations = fresh.requests.filter((r) => r.startsWith('POST /subjects/'));
      expect(registrations.sort()).toEqual([
        'POST /subjects/test.actions-value/versions',
        'POST /subjects/test.segment-changes-value/versions',
      ]);
      expect(fresh.schemas.size).toBe(2);

      // A consumer with its own client reads them back, nulls of nullable fields kept as null.
      const reader = new RestSchemaRegistryClient({ host: fresh.url });
      expect(await decodeSegmentChange(buffers[0]!, { registry: reader })).toEqual(segmentChangeExample);
      expect(await decodeSegmentChange(buffers[1]!, { registry: reader })).toEqual(firstAssignmentExample);
      expect(await decodeCustomerAction(buffers[2]!, { registry: reader })).toEqual(actionExample);
      await expect(decodeSegmentChange(buffers[0]!)).rejects.toThrow(/no schema registry/);
    } finally {
      await fresh.stop();
    }
  });

  it('puts the subject prefix in front of the subject', async () => {
    const fresh = await startFakeSchemaRegistry();
    try {
      const encoder = new OutputEncoder({ registry: new RestSchemaRegistryClient({ host: fresh.url }), subjectPrefix: 'staging.' });
      await encoder.encodeAction(actionExample);
      expect(fresh.requests).toContain('POST /subjects/staging.crm.customer-actions.v1-value/versions');
    } finally {
      await fresh.stop();
    }
  });
});

describe('createSchemaRegistryClient', () => {
  it('returns a client that round-trips through the registry at the URL', async () => {
    const client = await createSchemaRegistryClient(fake.url);
    const encoder = new OutputEncoder({ registry: client });
    const buffer = await encoder.encodeAction(actionExample);
    expect(await decodeCustomerAction(buffer, { registry: registry })).toEqual(actionExample);
  });
});
