import { describe, expect, it } from 'vitest';
import { InputDecoder } from '@bondstream/contracts';
import { defaultPolicy } from '@bondstream/model';
import type { SourceMessage } from '@bondstream/kafka-runner';
import { classifyMessages } from '../src/classify.js';

const now = Date.UTC(2026, 10, 22, 12);
const message = (value: unknown, offset = 0): SourceMessage => ({
  topic: 'crm.orders.v1', partition: 0, offset: String(offset), key: Buffer.from('c-1'), headers: {},
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
});
const order = (occurredAt: string, extra: Record<string, unknown> = {}) => ({
  eventId: `e-${occurredAt}`, type: 'order.placed', customerId: 'c-1', orderId: '1', occurredAt, amount: 12.34, ...extra,
});

describe('classifyMessages', () => {
  const classify = (messages: SourceMessage[]) => classifyMessages(messages, new InputDecoder(), { wallNowMs: now, policy: defaultPolicy });

  it('accepts valid events in model units, with the default tenant', async () => {
    const { accepted, deadLetters } = await classify([message(order('2026-11-22T11:00:00Z'))]);
    expect(deadLetters).toEqual([]);
    expect(accepted).toEqual([{
      tenantId: 'default', customerId: 'c-1',
      event: { eventId: 'e-2026-11-22T11:00:00Z', type: 'order.placed', occurredAtMs: Date.UTC(2026, 10, 22, 11), amountCents: 1234 },
    }]);
  });

  it('dead-letters events beyond the allowed clock skew, and keeps those within it', async () => {
    const withinSkew = new Date(now + (defaultPolicy.maxFutureSkewSeconds - 1) * 1_000).toISOString();
    const beyond = new Date(now + (defaultPolicy.maxFutureSkewSeconds + 1) * 1_000).toISOString();
    const { accepted, deadLetters } = await classify([message(order(withinSkew), 0), message(order(beyond), 1)]);
    expect(accepted).toHaveLength(1);
    expect(deadLetters.map((d) => [d.message.offset, d.reason])).toEqual([['1', 'future_timestamp']]);
  });

  it('gives every message exactly one verdict, in order, whatever is wrong with it', async () => {
    const messages = [message('{oops', 0), message(order('2026-11-01T00:00:00Z', { amount: -1 }), 1), message(order('2026-11-01T00:00:00Z'), 2), message('', 3)];
    const { accepted, deadLetters } = await classify(messages);
    expect(accepted).toHaveLength(1);
    expect(deadLetters.map((d) => d.reason)).toEqual(['invalid_json', 'schema_violation', 'empty_message']);
  });
});
