import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ACTION_NAMES, appendAction, appendChanges, decodeActions, decodeChanges, DIMENSIONS, HISTORY_ACTIONS, HISTORY_WRITES, SEGMENTS,
  type ChangeCauseKind, type Dimension,
} from '../src/index.js';

const MINUTE = 60_000;
const change = fc.constantFrom(...DIMENSIONS).chain((dimension: Dimension) => fc.record({
  dimension: fc.constant(dimension),
  from: fc.option(fc.constantFrom(...SEGMENTS[dimension]), { nil: null }),
  to: fc.constantFrom(...SEGMENTS[dimension]),
}));
const write = fc.record({
  changes: fc.array(change, { minLength: 1, maxLength: 3 }),
  atMs: fc.integer({ min: Date.UTC(1990, 0, 1) / MINUTE, max: Date.UTC(2080, 0, 1) / MINUTE }).map((m) => m * MINUTE),
  cause: fc.constantFrom<ChangeCauseKind>('event', 'clock', 'thresholds', 'model'),
});

describe('a customer\'s recent history', () => {
  it('reads back the last HISTORY_WRITES writes\' changes, newest first, to the minute', () => {
    fc.assert(fc.property(fc.array(write, { maxLength: 8 }), (writes) => {
      let stored: string | null = null;
      for (const w of writes) stored = appendChanges(stored, w.changes, w.atMs, w.cause);
      const expected = writes.slice(-HISTORY_WRITES).reverse()
        .flatMap((w) => w.changes.map((c) => ({ ...c, atMs: w.atMs, cause: w.cause })));
      expect(decodeChanges(stored)).toEqual(expected);
      // bounded: 6 characters per write and 3 per change, a separator between writes
      expect((stored ?? '').length).toBeLessThanOrEqual(HISTORY_WRITES * (6 + 3 * 3) + HISTORY_WRITES - 1);
    }));
  });

  it('leaves the history alone for a write without changes, and skips segments outside the vocabulary', () => {
    expect(appendChanges('x', [], 0, 'event')).toBe('x');
    expect(appendChanges(null, [{ dimension: 'rfm', from: null, to: 'custom_segment' }], 0, 'event')).toBeNull();
  });

  it('keeps the last HISTORY_ACTIONS actions, newest first', () => {
    const action = fc.record({ action: fc.constantFrom(...ACTION_NAMES), atMs: fc.integer({ min: 0, max: 3e9 }).map((m) => m * MINUTE) });
    fc.assert(fc.property(fc.array(action, { maxLength: 8 }), (actions) => {
      let stored: string | null = null;
      for (const a of actions) stored = appendAction(stored, a.action, a.atMs);
      expect(decodeActions(stored)).toEqual(actions.slice(-HISTORY_ACTIONS).reverse());
    }));
  });
});
