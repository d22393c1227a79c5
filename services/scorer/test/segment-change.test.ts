import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { segmentChangeEventSchema } from '@bondstream/contracts';
import {
  buildSegmentChange, emittedAtField, parseStoredSegmentChange, publishableMessage, storeSegmentChange, storeSegmentChanges, withEmittedAt,
} from '../src/segment-change.js';

const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
// ids that try to break the splice: quotes, NULs, the very field marker, any unicode
const trickyId = fc.oneof(text, fc.constant(',"cause":{'), fc.constant('a\u0000b'), fc.constant('"},"cause":{"kind":"x"'));
const score = fc.option(fc.integer({ min: 1, max: 5 }), { nil: null });

const changes = fc.record({
  tenantId: fc.constantFrom('default', 'shop-1'),
  customerId: trickyId,
  eventId: trickyId,
  dimension: fc.constantFrom('relationship' as const, 'pyramid' as const, 'rfm' as const),
  from: fc.option(fc.constantFrom('stranger', 'small', 'new'), { nil: null }),
  to: fc.constantFrom('butterfly', 'inactive', 'champions'),
  atMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
  kind: fc.constantFrom('event' as const, 'clock' as const, 'thresholds' as const),
  r: score,
  emittedAtMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
}).map((x) => ({
  stored: buildSegmentChange({
    tenantId: x.tenantId, customerId: x.customerId,
    change: { dimension: x.dimension, from: x.from, to: x.to, atMs: x.atMs },
    stateVersion: 3, occurredAtMs: x.atMs,
    cause: x.kind === 'event' ? { kind: 'event', eventId: x.eventId } : { kind: x.kind },
    scores: { recencyDays: 2, frequency: 3, monetary: 12.5, profit: -4.25, loyalty: 0.5, r: x.r, f: x.r, m: x.r, pAlive: null, clv: null },
  }),
  emittedAtMs: x.emittedAtMs,
}));

describe('the stored segment change and its published form', () => {
  it('publishes exactly the bytes of JSON.stringify(withEmittedAt(change)), keyed by customer id, from the stored bytes', () => {
    fc.assert(fc.property(changes, ({ stored, emittedAtMs }) => {
      const entry = storeSegmentChange(stored);
      const { key, value } = publishableMessage(Buffer.from(entry), emittedAtField(emittedAtMs));
      expect(key.toString('utf8')).toBe(stored.customerId);
      expect(value.toString('utf8')).toBe(JSON.stringify(withEmittedAt(stored, emittedAtMs)));
      expect(parseStoredSegmentChange(entry)).toEqual({ key: stored.customerId, change: stored });
    }), { numRuns: 500 });
  });

  it('stores one write\'s changes with the bytes of storeSegmentChange(buildSegmentChange(...)) for each', () => {
    const change = fc.record({
      dimension: fc.constantFrom('relationship' as const, 'pyramid' as const, 'rfm' as const),
      from: fc.option(fc.constantFrom('stranger', 'small', 'new'), { nil: null }),
      to: fc.constantFrom('butterfly', 'inactive', 'champions'),
      atMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
    });
    const input = fc.record({
      tenantId: trickyId, customerId: trickyId, eventId: trickyId,
      stateVersion: fc.nat(), occurredAtMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
      kind: fc.constantFrom('event' as const, 'clock' as const, 'thresholds' as const),
      r: score, profit: fc.double({ noNaN: true, noDefaultInfinity: true }),
    }).map((x) => ({
      tenantId: x.tenantId, customerId: x.customerId, stateVersion: x.stateVersion, occurredAtMs: x.occurredAtMs,
      cause: x.kind === 'event' ? { kind: 'event' as const, eventId: x.eventId } : { kind: x.kind },
      scores: { recencyDays: x.r, frequency: 3, monetary: 12.5, profit: x.profit, loyalty: 0.5, r: x.r, f: x.r, m: x.r, pAlive: null, clv: null },
    }));
    fc.assert(fc.property(input, fc.array(change, { maxLength: 3 }), (shared, list) => {
      expect(storeSegmentChanges(shared, list)).toEqual(list.map((c) => storeSegmentChange(buildSegmentChange({ ...shared, change: c }))));
    }), { numRuns: 500 });
  });

  it('publishes what the output contract accepts', () => {
    fc.assert(fc.property(changes, ({ stored, emittedAtMs }) => {
      fc.pre(!/[{}]/.test(stored.customerId) && stored.customerId.length <= 200);
      const { value } = publishableMessage(Buffer.from(storeSegmentChange(stored)), emittedAtField(emittedAtMs));
      const parsed = segmentChangeEventSchema.safeParse(JSON.parse(value.toString('utf8')));
      expect(parsed.error?.issues ?? []).toEqual([]);
    }), { numRuns: 300 });
  });
});
