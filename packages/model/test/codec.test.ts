import { describe, expect, it } from 'vitest';
import { assignSegments, decodeState, defaultPolicy, emptyState, encodeState, evaluate } from '../src/index.js';
import { NOW, bigTenant, day, placed, stateOf } from './fixtures.js';

/** A typical customer: three purchase days in the window, three segments, no interactions. */
function typicalCustomer() {
  const s = stateOf([placed(day(-70, 9), 120.5, 70.1), placed(day(-40, 14), 89.99, 52.3), placed(day(-10, 18), 230, 140.25)]);
  const evaluatedAt = NOW + 1234; // evaluated by the wall clock, shortly after the last event
  return assignSegments(s, evaluate(s, evaluatedAt, bigTenant(), defaultPolicy), evaluatedAt, defaultPolicy).state;
}

describe('state codec', () => {
  it('round-trips a typical customer compactly', () => {
    const s = typicalCustomer();
    const encoded = encodeState(s);
    expect(decodeState(encoded)).toEqual(s);
    expect(Object.values(s.segments).every((a) => a !== null)).toBe(true);
    expect(Object.keys(s.window)).toHaveLength(3);
    // measured: 183 bytes, 18 of them the placed values of the spend model (JSON.stringify of the same state: over 1,100)
    expect(Buffer.byteLength(encoded)).toBeLessThanOrEqual(190);
    expect(Buffer.byteLength(encoded)).toBeLessThan(Buffer.byteLength(JSON.stringify(s)) / 4);
  });

  it('round-trips the empty state', () => {
    expect(decodeState(encodeState(emptyState()))).toEqual(emptyState());
  });

  it('keeps a segment value outside the known vocabulary', () => {
    const s = emptyState();
    s.segments.rfm = { value: 'legacy_value', sinceMs: 5 };
    expect(decodeState(encodeState(s)).segments.rfm).toEqual({ value: 'legacy_value', sinceMs: 5 });
  });

  it('refuses to encode what it could not restore exactly', () => {
    const s = emptyState();
    s.lifetime.revenueCents = 0.5;
    expect(() => encodeState(s)).toThrow(/cannot encode customer state: revenueCents/);
  });

  it.each([
    ['', /not JSON/],
    ['{"a":1}', /array of 11/],
    ['[]', /array of 11/],
    ['[2,null,null,null,null,0,[],[],[],[null,null,null],null]', /version/],
    ['[1,null,null,null,null,"x",[],[],[],[null,null,null],null]', /appliedEvents/],
    ['[1,null,null,null,null,-1,[],[],[],[null,null,null],null]', /negative/],
    ['[1,null,null,null,null,0,[1.5],[],[],[null,null,null],null]', /lifetime/],
    ['[1,null,null,null,null,0,[0,0,0,0,0,0,0,0,0,0],[],[],[null,null,null],null]', /lifetime/],
    ['[1,null,null,null,null,0,[],[5,0],[],[null,null,null],null]', /purchaseDays not strictly ascending/],
    ['[1,null,null,null,null,0,[],[],[[5],[0]],[null,null,null],null]', /bucket days/],
    ['[1,null,null,null,null,0,[],[],[[]],[null,null,null],null]', /empty bucket/],
    ['[1,null,null,null,null,0,[],[],{},[null,null,null],null]', /buckets/],
    ['[1,null,null,null,null,0,[],[],[],[null,null],null]', /segments/],
    ['[1,null,null,null,null,0,[],[],[],[[99,0],null,null],null]', /unknown value code/],
    ['[1,null,null,null,null,0,[],[],[],[[0],null,null],null]', /segment relationship/],
    ['[1,null,null,null,null,0,[],[],[],[null,null,null],[1,2,6]]', /rfmScores/],
    ['[1,null,null,null,null,0,[],[],[],[null,null,null],[1,2]]', /rfmScores/],
  ])('rejects garbage %j', (input, reason) => {
    expect(() => decodeState(input)).toThrow(/^invalid customer state: /);
    expect(() => decodeState(input)).toThrow(reason);
  });
});
