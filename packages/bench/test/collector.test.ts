import { describe, expect, it } from 'vitest';
import { parseChangeLine } from '../src/collector.js';

describe('the latency collector', () => {
  // What the relay publishes (emittedAt spliced in before cause), as kcat prints it after the key.
  const change = {
    eventId: 'c1', tenantId: 'latency', customerId: 'lat-1', dimension: 'rfm', from: null, to: 'new',
    occurredAt: '2026-11-22T10:00:00.000Z', emittedAt: '2026-11-22T10:00:00.012Z',
    cause: { kind: 'event', eventId: 'lat-1' }, scores: { r: 5, f: 1, m: 1 }, stateVersion: 1,
  };

  it('reads the cause, emittedAt and the message timestamp of a change line', () => {
    expect(parseChangeLine(`1795350382357\t${JSON.stringify(change)}`)).toEqual({
      causeEventId: 'lat-1', emittedAtMs: Date.parse('2026-11-22T10:00:00.012Z'), timestampMs: 1795350382357,
    });
  });

  it('gives no cause event for clock and thresholds changes, and null for what is not a change', () => {
    expect(parseChangeLine(`1\t${JSON.stringify({ ...change, cause: { kind: 'thresholds' } })}`)?.causeEventId).toBeUndefined();
    expect(parseChangeLine('1\tnot json')).toBeNull();
    expect(parseChangeLine('no tab')).toBeNull();
    expect(parseChangeLine(`x\t${JSON.stringify(change)}`)).toBeNull();
  });
});
