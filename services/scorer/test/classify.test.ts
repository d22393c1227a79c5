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
      producedAtMs: Number.NaN, // the message carries no Kafka timestamp
    }]);
    const stamped = await classify([{ ...message(order('2026-11-22T11:00:00Z')), producedAtMs: 1_700_000_000_123 }]);
    expect(stamped.accepted[0]!.producedAtMs).toBe(1_700_000_000_123);
  });

  it('dead-letters events beyond the allowed clock skew, and keeps those within it', async () => {
    const withinSkew = new Date(now + (defaultPolicy.maxFutureSkewSeconds - 1) * 1_000).toISOString();
    const beyond = new Date(now + (defaultPolicy.maxFutureSkewSeconds + 1) * 1_000).toISOString();
    const { accepted, deadLetters } = await classify([message(order(withinSkew), 0), message(order(beyond), 1)]);
    expect(accepted).toHaveLength(1);
    expect(deadLetters.map((d) => [d.message.offset, d.reason])).toEqual([['1', 'future_timestamp']]);
  });

  it('dead-letters events dated before the earliest plausible date (unset dates at a platform)', async () => {
    const { accepted, deadLetters } = await classify([
      message(order('0001-01-01T00:00:00Z'), 0),
      message(order('1970-01-01T00:00:00Z'), 1),
      message(order('1997-01-02T00:00:00Z'), 2), // the CDNOW sample's first day
    ]);
    expect(deadLetters.map((d) => [d.message.offset, d.reason, d.detail])).toEqual([
      ['0', 'implausible_timestamp', "occurredAt 0001-01-01T00:00:00Z is before the policy's earliest plausible date 1990-01-01"],
      ['1', 'implausible_timestamp', "occurredAt 1970-01-01T00:00:00Z is before the policy's earliest plausible date 1990-01-01"],
    ]);
    expect(accepted.map((a) => a.event.occurredAtMs)).toEqual([Date.UTC(1997, 0, 2)]);
  });

  it('accepts exactly the earliest plausible instant and rejects the millisecond before it, offsets included', async () => {
    const { accepted, deadLetters } = await classify([
      message(order('1990-01-01T00:00:00Z'), 0),
      message(order('1989-12-31T23:59:59.999Z'), 1),
      message(order('1990-01-01T00:30:00+01:00'), 2), // 1989-12-31T23:30Z
      message(order('1989-12-31T23:30:00-01:00'), 3), // 1990-01-01T00:30Z
    ]);
    expect(accepted.map((a) => a.event.occurredAtMs)).toEqual([Date.UTC(1990, 0, 1), Date.UTC(1990, 0, 1, 0, 30)]);
    expect(deadLetters.map((d) => [d.message.offset, d.reason])).toEqual([['1', 'implausible_timestamp'], ['2', 'implausible_timestamp']]);
  });

  it("honours the policy's own earliest plausible date", async () => {
    const policy = { ...defaultPolicy, earliestPlausibleDate: '2000-01-01' };
    const { accepted, deadLetters } = await classifyMessages(
      [message(order('1997-01-02T00:00:00Z'), 0), message(order('1999-12-31T23:59:59.999Z'), 1), message(order('2000-01-01T00:00:00Z'), 2)],
      new InputDecoder(), { wallNowMs: now, policy },
    );
    expect(deadLetters.map((d) => [d.message.offset, d.reason])).toEqual([['0', 'implausible_timestamp'], ['1', 'implausible_timestamp']]);
    expect(deadLetters[0]!.detail).toContain('earliest plausible date 2000-01-01');
    expect(accepted.map((a) => a.event.occurredAtMs)).toEqual([Date.UTC(2000, 0, 1)]);

    const earlier = { ...defaultPolicy, earliestPlausibleDate: '1960-01-01' };
    const epoch = await classifyMessages([message(order('1970-01-01T00:00:00Z'))], new InputDecoder(), { wallNowMs: now, policy: earlier });
    expect(epoch.deadLetters).toEqual([]);
    expect(epoch.accepted.map((a) => a.event.occurredAtMs)).toEqual([0]);
  });

  it('gives every message exactly one verdict, in order, whatever is wrong with it', async () => {
    const messages = [
      message('{oops', 0), message(order('2026-11-01T00:00:00Z', { amount: -1 }), 1), message(order('2026-11-01T00:00:00Z'), 2), message('', 3),
      message(order('1970-01-01T00:00:00Z'), 4),
    ];
    const { accepted, deadLetters } = await classify(messages);
    expect(accepted).toHaveLength(1);
    expect(deadLetters.map((d) => d.reason)).toEqual(['invalid_json', 'schema_violation', 'empty_message', 'implausible_timestamp']);
  });
});
