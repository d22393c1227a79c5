import { describe, expect, it } from 'vitest';
import { SegmentChangeDecoder } from '@bondstream/contracts';
import type { SourceMessage } from '@bondstream/kafka-runner';
import { classifyChanges } from '../src/classify.js';

const change = {
  eventId: 'chg-1', tenantId: 'shop-1', customerId: 'c-42', dimension: 'relationship', from: null, to: 'butterfly',
  occurredAt: '2026-11-20T10:15:00+01:00', emittedAt: '2026-11-20T09:15:00.012Z', cause: { kind: 'event', eventId: 'ord-1' },
  scores: { recencyDays: 0, frequency: 1, monetary: 120.5, profit: 50.4, loyalty: 0, r: 5, f: 1, m: 3 }, stateVersion: 1,
};
const message = (value: string | null, offset = '0'): SourceMessage => ({
  topic: 'crm.segment-changes.v1', partition: 0, offset, key: Buffer.from('c-42'), value: value === null ? null : Buffer.from(value), headers: {},
});

describe('classifyChanges', () => {
  it('turns segment changes into triggers and bad messages into dead letters, in one pass', async () => {
    const bad = [message(null, '1'), message('{"eventId":', '2'), message(JSON.stringify({ ...change, to: 42 }), '3')];
    const { accepted, deadLetters } = await classifyChanges([message(JSON.stringify(change)), ...bad], new SegmentChangeDecoder());
    expect(accepted).toEqual([{
      eventId: 'chg-1', tenantId: 'shop-1', customerId: 'c-42', dimension: 'relationship', from: null, to: 'butterfly',
      occurredAtMs: Date.parse('2026-11-20T09:15:00Z'),
    }]);
    expect(deadLetters.map((d) => [d.message.offset, d.reason])).toEqual([
      ['1', 'empty_message'], ['2', 'invalid_json'], ['3', 'schema_violation'],
    ]);
    expect(deadLetters[2]!.detail).toMatch(/^to: /);
  });
});
