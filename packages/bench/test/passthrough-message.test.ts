import { describe, expect, it } from 'vitest';
import { segmentChangeEventSchema } from '@bondstream/contracts';
import { parseChangeLine } from '../src/collector.js';
import { CHANGES_PER_EVENT, passThroughChanges } from '../src/passthrough-message.js';

const order = (fields: Record<string, unknown>) => Buffer.from(JSON.stringify(fields));
const EMITTED = '2026-12-03T19:00:00.123Z';

describe('the latency floor pass-through', () => {
  it('turns an order into one valid segment change per dimension that the collector attributes to it', () => {
    const changes = passThroughChanges(order({ eventId: 'lat-1', type: 'order.placed', customerId: 'lat-1', occurredAt: '2026-12-03T18:59:59.000Z', amount: 25 }), EMITTED);
    expect(changes).toHaveLength(CHANGES_PER_EVENT);
    expect(new Set(changes.map((c) => segmentChangeEventSchema.parse(JSON.parse(c.value)).dimension)).size).toBe(CHANGES_PER_EVENT);
    for (const change of changes) {
      expect(change.key).toBe('lat-1');
      expect(parseChangeLine(`1764788399000\t${change.value}`)).toEqual({ causeEventId: 'lat-1', emittedAtMs: Date.parse(EMITTED), timestampMs: 1764788399000 });
    }
  });

  it('gives nothing for a value that is no order, instead of throwing', () => {
    expect(passThroughChanges(Buffer.from('{not json'), EMITTED)).toEqual([]);
    expect(passThroughChanges(null, EMITTED)).toEqual([]);
    expect(passThroughChanges(order({ eventId: 7, customerId: 'x', occurredAt: EMITTED }), EMITTED)).toEqual([]);
  });
});
