import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OutputEncoder,
  RestSchemaRegistryClient,
  SegmentChangeDecoder,
  startFakeSchemaRegistry,
  type FakeSchemaRegistry,
} from '../src/index.js';
import { firstAssignmentExample, json, segmentChangeExample } from './fixtures.js';

let fake: FakeSchemaRegistry;
let registry: RestSchemaRegistryClient;
beforeAll(async () => {
  fake = await startFakeSchemaRegistry();
  registry = new RestSchemaRegistryClient({ host: fake.url });
});
afterAll(() => fake?.stop());

describe('SegmentChangeDecoder (the actions service input)', () => {
  it('reads JSON, keeping the null `from` of a first assignment', async () => {
    const decoder = new SegmentChangeDecoder();
    expect(await decoder.decode(json(segmentChangeExample))).toEqual({ ok: true, event: segmentChangeExample });
    expect(await decoder.decode(json(firstAssignmentExample))).toEqual({ ok: true, event: firstAssignmentExample });
  });

  it('reads what the scorer publishes as Avro', async () => {
    const bytes = await new OutputEncoder({ registry }).encodeSegmentChange(firstAssignmentExample);
    expect(await new SegmentChangeDecoder({ registry }).decode(bytes)).toEqual({ ok: true, event: firstAssignmentExample });
  });

  it.each([
    ['an empty message', Buffer.alloc(0), 'empty_message'],
    ['broken JSON', Buffer.from('{"eventId":'), 'invalid_json'],
    ['an order event', json({ eventId: 'o-1', type: 'order.placed' }), 'schema_violation'],
    ['an unknown dimension', json({ ...segmentChangeExample, dimension: 'mood' }), 'schema_violation'],
    ['Avro without a registry', Buffer.from([0, 0, 0, 0, 7, 1, 2]), 'unknown_schema'],
  ])('gives a dead-letter reason for %s, never a throw', async (_what, value, reason) => {
    const result = await new SegmentChangeDecoder().decode(value);
    expect(result).toMatchObject({ ok: false, reason });
  });
});
