import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_REASONS, InputDecoder, MAX_DETAIL_LENGTH, type DecodeResult } from '../src/index.js';
import { interactionExample, json, orderExample } from './fixtures.js';

const decoder = new InputDecoder();

function failure(result: DecodeResult) {
  if (result.ok) throw new Error(`expected a dead letter, got ${JSON.stringify(result.event)}`);
  return result;
}

describe('InputDecoder, JSON', () => {
  it('decodes the DESIGN examples', async () => {
    expect(await decoder.decode(json(orderExample))).toEqual({ ok: true, event: orderExample });
    expect(await decoder.decode(json(interactionExample))).toEqual({ ok: true, event: interactionExample });
  });

  it('reads null optional fields as absent and tolerates a UTF-8 BOM', async () => {
    const withNulls = { ...orderExample, tenantId: null, cost: null, items: [{ sku: 'A1', quantity: 1, unitPrice: 2, unitCost: null }] };
    const result = await decoder.decode(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json(withNulls)]));
    if (!result.ok) throw new Error(result.detail);
    expect(result.event.tenantId).toBe('default');
    expect(result.event).not.toHaveProperty('cost');
    expect(result.event.type === 'order.placed' && result.event.items?.[0]).toEqual({ sku: 'A1', quantity: 1, unitPrice: 2 });
  });

  it('does not read fields through a "__proto__" key', async () => {
    const { eventId: _e, ...rest } = orderExample;
    const text = JSON.stringify(rest).replace(/^\{/, '{"__proto__":{"eventId":"smuggled"},');
    const result = failure(await decoder.decode(Buffer.from(text)));
    expect(result.reason).toBe('schema_violation');
    expect(result.detail).toMatch(/^eventId: /);
  });

  it.each([
    ['null value', null],
    ['zero-length value', Buffer.alloc(0)],
  ])('dead-letters a %s as empty_message', async (_name, value) => {
    expect(failure(await decoder.decode(value)).reason).toBe('empty_message');
  });

  it.each(['{"eventId": "x",', 'not json', '{"a":1}}', String.fromCharCode(0, 1)])(
    'dead-letters malformed JSON %j as invalid_json',
    async (text) => {
      const result = failure(await decoder.decode(Buffer.from(text, 'utf8')));
      expect(result.reason).toBe('invalid_json');
      expect(result.detail.length).toBeGreaterThan(0);
    },
  );

  it.each([
    ['a missing customerId', { ...orderExample, customerId: undefined }, /^customerId: /],
    ['a negative amount', { ...orderExample, amount: -5 }, /^amount: Too small: expected number to be >=0/],
    ['a zero refund', { ...orderExample, type: 'order.refunded', amount: 0 }, /^amount: must be > 0 for refunds and cancellations/],
    ['a zero cancellation', { ...orderExample, type: 'order.cancelled', amount: 0 }, /^amount: must be > 0/],
    ['occurredAt without offset', { ...orderExample, occurredAt: '2026-11-20T10:15:00' }, /^occurredAt: /],
    ['an unknown channel', { ...interactionExample, channel: 'fax' }, /^channel: Invalid option/],
    ['an unknown type', { ...orderExample, type: 'order.shipped' }, /^type: /],
    ['a JSON array', [orderExample], /^\(root\): /],
    ['a JSON number', 42, /^\(root\): /],
  ])('dead-letters %s as schema_violation naming the field', async (_name, value, detail) => {
    const result = failure(await decoder.decode(json(value)));
    expect(result.reason).toBe('schema_violation');
    expect(result.detail).toMatch(detail);
  });

  it('names every failing field, within the detail limit', async () => {
    const result = failure(await decoder.decode(json({ ...orderExample, amount: -1, customerId: '', orderId: 7 })));
    expect(result.detail).toContain('amount: ');
    expect(result.detail).toContain('customerId: ');
    expect(result.detail).toContain('orderId: ');
    const huge = failure(await decoder.decode(json({ type: 'interaction', channel: 'x'.repeat(5000) })));
    expect(huge.detail.length).toBeLessThanOrEqual(MAX_DETAIL_LENGTH);
  });

  it('dead-letters an Avro-framed message as unknown_schema when no registry is configured', async () => {
    const framed = Buffer.from([0, 0, 0, 0, 7, 2, 120]);
    const result = failure(await decoder.decode(framed));
    expect(result.reason).toBe('unknown_schema');
    expect(result.detail).toContain('SCHEMA_REGISTRY_URL is not set');
  });

  it('exports every dead-letter reason, including the scorer-only future_timestamp and implausible_timestamp and the actions-only webhook_failed', () => {
    expect(DEAD_LETTER_REASONS).toEqual([
      'invalid_json', 'schema_violation', 'unknown_schema', 'empty_message', 'future_timestamp', 'implausible_timestamp', 'webhook_failed',
    ]);
  });
});

describe('InputDecoder never throws', () => {
  const knownReasons = new Set<string>(DEAD_LETTER_REASONS);
  const check = (result: DecodeResult) => {
    if (result.ok) {
      expect(typeof result.event.eventId).toBe('string');
    } else {
      expect(knownReasons.has(result.reason)).toBe(true);
      expect(result.detail.length).toBeLessThanOrEqual(MAX_DETAIL_LENGTH);
    }
  };

  it('on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        check(await decoder.decode(Buffer.from(bytes)));
      }),
      { numRuns: 1000 },
    );
  });

  it('on arbitrary JSON values and on mutations of valid events', async () => {
    const mutated = fc.record({
      base: fc.constantFrom<Record<string, unknown>>(orderExample, interactionExample),
      key: fc.constantFrom('eventId', 'type', 'tenantId', 'customerId', 'occurredAt', 'amount', 'cost', 'items', 'channel', 'satisfaction', '__proto__'),
      value: fc.jsonValue(),
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), mutated.map(({ base, key, value }) => ({ ...base, [key]: value }))), async (value) => {
        check(await decoder.decode(Buffer.from(JSON.stringify(value) ?? 'null')));
      }),
      { numRuns: 1000 },
    );
  });
});
