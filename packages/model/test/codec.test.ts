import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvents, assignSegments, decodeState, defaultPolicy, emptyState, encodeState, evaluate, type CustomerState } from '../src/index.js';
import { encodeStateV1 } from '../src/codec-v1.js';
import { eventsArb, stateArb } from './arbitraries.js';
import { DAY, NOW, bigTenant, day, placed, stateOf } from './fixtures.js';

/** A typical customer: three purchase days in the window, three segments, no interactions. */
function typicalCustomer() {
  const s = stateOf([placed(day(-70, 9), 120.5, 70.1), placed(day(-40, 14), 89.99, 52.3), placed(day(-10, 18), 230, 140.25)]);
  const evaluatedAt = NOW + 1234; // evaluated by the wall clock, shortly after the last event
  return assignSegments(s, evaluate(s, evaluatedAt, bigTenant(), defaultPolicy), evaluatedAt, defaultPolicy).state;
}

/** Real-looking states: built from events, evaluated (by the event clock or the wall clock) and segmented. */
const realLookingArb: fc.Arbitrary<CustomerState> = fc
  .tuple(eventsArb, fc.constantFrom(0, 1234, 3 * DAY))
  .map(([events, lag]) => {
    const s = applyEvents(emptyState(), events, NOW, defaultPolicy);
    if (s.lastEventAtMs === null) return s;
    const at = s.lastEventAtMs + lag;
    return assignSegments(s, evaluate(s, at, bigTenant(), defaultPolicy), at, defaultPolicy).state;
  });

describe('state codec (format version 2, binary)', () => {
  it('round-trips a typical customer compactly', () => {
    const s = typicalCustomer();
    const encoded = encodeState(s);
    expect(encoded[0]).toBe(2);
    expect(decodeState(encoded)).toEqual(s);
    expect(Object.values(s.segments).every((a) => a !== null)).toBe(true);
    expect(Object.keys(s.window)).toHaveLength(3);
    // measured: 64 bytes (version 1: 183; JSON.stringify of the same state: over 1,100); Redis keeps
    // a hash's fields in its compact listpack encoding while each is at most 64 bytes
    expect(encoded.length).toBeLessThanOrEqual(64);
    expect(encoded.length).toBeLessThan(Buffer.byteLength(encodeStateV1(s)) / 2);
  });

  it('round-trips the empty state in six bytes', () => {
    expect(encodeState(emptyState())).toEqual(Buffer.from([2, 0, 0, 1, 0, 0]));
    expect(decodeState(encodeState(emptyState()))).toEqual(emptyState());
  });

  it('keeps a segment value outside the known vocabulary', () => {
    const s = emptyState();
    s.segments.rfm = { value: 'legacy_välue', sinceMs: 5 };
    expect(decodeState(encodeState(s)).segments.rfm).toEqual({ value: 'legacy_välue', sinceMs: 5 });
  });

  it('keeps every safe integer exactly, at the edges too', () => {
    const s = emptyState();
    s.lifetime.revenueCents = Number.MAX_SAFE_INTEGER;
    s.lifetime.costCents = Number.MIN_SAFE_INTEGER;
    s.appliedEvents = Number.MAX_SAFE_INTEGER;
    s.lastEventAtMs = Number.MAX_SAFE_INTEGER;
    s.firstPurchaseAtMs = 1;
    s.purchaseDays = [-5, 0, 104_249_991_374];
    expect(decodeState(encodeState(s))).toEqual(s);
  });

  it('refuses to encode what it could not restore exactly', () => {
    const s = emptyState();
    s.lifetime.revenueCents = 0.5;
    expect(() => encodeState(s)).toThrow(/cannot encode customer state: revenueCents/);
    expect(() => encodeState({ ...emptyState(), appliedEvents: -1 })).toThrow(/cannot encode customer state: appliedEvents/);
    expect(() => encodeState({ ...emptyState(), purchaseDays: [3, 3] })).toThrow(/not strictly ascending/);
    expect(() => encodeState({ ...emptyState(), rfmScores: [1, 6, 1] })).toThrow(/rfm score 6/);
    const lone = emptyState();
    lone.segments.pyramid = { value: '\ud800', sinceMs: 0 };
    expect(() => encodeState(lone)).toThrow(/not valid Unicode/);
  });

  it('decode(encode(s)) is s, and encode(decode(bytes)) is bytes, for arbitrary states', () => {
    fc.assert(
      fc.property(stateArb, (s) => {
        const encoded = encodeState(s);
        expect(decodeState(encoded)).toEqual(s);
        expect(encodeState(decodeState(encoded))).toEqual(encoded);
      }),
      { numRuns: 500 },
    );
  });

  it('is less than half the size of version 1 on real-looking states', () => {
    let v1 = 0;
    let v2 = 0;
    fc.assert(
      fc.property(realLookingArb, (s) => {
        const encoded = encodeState(s);
        expect(decodeState(encoded)).toEqual(s);
        expect(encoded.length).toBeLessThan(Buffer.byteLength(encodeStateV1(s)));
        v1 += Buffer.byteLength(encodeStateV1(s));
        v2 += encoded.length;
      }),
      { numRuns: 300, seed: 7 },
    );
    expect(v2).toBeLessThan(v1 / 2);
  });

  it('a customer written again is stored as version 2', () => {
    const s = typicalCustomer();
    const rewritten = encodeState(decodeState(encodeStateV1(s)));
    expect(rewritten[0]).toBe(2);
    expect(decodeState(rewritten)).toEqual(s);
  });

  it.each([
    [[], /empty/],
    [[7, 0], /unknown format version byte 0x07/],
    [[2], /truncated/],
    [[2, 0, 0, 0, 0], /truncated/],
    [[2, 0, 0, 0, 0, 0, 0], /trailing bytes/],
    [[2, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], /varint too long/],
    [[2, 0, 0x80, 0x00, 0, 0, 0, 0], /not minimal/],
    [[2, 0, 0, 0xff, 0x0f, 0, 0, 0], /lifetime: unknown field/],
    [[2, 0, 0, 0, 0x7f, 0, 0, 0], /purchaseDays: count 127 beyond the end/],
    [[2, 0, 0, 2, 1, 0, 0], /negative zero/],
    [[2, 0x20, 0, 0, 0, 0, 99, 0], /unknown value code 98/],
    [[2, 0x20, 0, 0, 0, 0, 0, 1, 0xff, 0], /not UTF-8/],
    [[2, 0x10, 0, 0, 0, 0, 125], /rfmScores/],
  ])('rejects binary garbage %j', (bytes, reason) => {
    const input = Uint8Array.from(bytes);
    expect(() => decodeState(input)).toThrow(/^invalid customer state: /);
    expect(() => decodeState(input)).toThrow(reason);
  });

  it('refuses a binary state that was read as a UTF-8 string (bytes lost), naming the fix', () => {
    const text = encodeState(typicalCustomer()).toString('utf8');
    expect(() => decodeState(text)).toThrow(/binary \(version 2\) state given as a string: read it as a Buffer/);
  });

  it('fails clearly on arbitrary or damaged bytes: never another error, never a hang', () => {
    const damaged = fc.tuple(stateArb, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean()).map(([s, at, xor, truncate]) => {
      const bytes = Uint8Array.from(encodeState(s));
      const i = at % bytes.length;
      if (truncate) return bytes.subarray(0, i);
      bytes[i] = bytes[i]! ^ xor;
      return bytes;
    });
    const random = fc.uint8Array({ maxLength: 200 }).map((b) => Uint8Array.from([2, ...b]));
    fc.assert(
      fc.property(fc.oneof(damaged, random), (bytes) => {
        try {
          decodeState(bytes);
        } catch (e) {
          expect(String(e)).toMatch(/^Error: invalid customer state: /);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('state codec: reads version 1 (JSON, written before 2026-12)', () => {
  it('reads a typical customer', () => {
    const s = typicalCustomer();
    const encoded = encodeStateV1(s);
    expect(encoded.startsWith('[1,')).toBe(true);
    expect(decodeState(encoded)).toEqual(s);
    expect(decodeState(Buffer.from(encoded))).toEqual(s);
    // measured: 183 bytes, 18 of them the placed values of the spend model
    expect(Buffer.byteLength(encoded)).toBeLessThanOrEqual(190);
  });

  it('reads the example state of the design notes', () => {
    const s = decodeState(Buffer.from('[1,852120000000,0,0,-47044800000,1,[1,2099,1469,630,0,0,0,2099,2099],[9862],[],[[3,0],[4,0],[9,0]],[1,1,1]]'));
    expect(s.lastEventAtMs).toBe(852120000000);
    expect(s.evaluatedAtMs).toBe(852120000000 + 47044800000);
    expect(s.lifetime).toMatchObject({ orders: 1, revenueCents: 2099, placedCents: 2099, firstDayPlacedCents: 2099 });
    expect(s.purchaseDays).toEqual([9862]);
    expect(decodeState(encodeState(s))).toEqual(s);
    expect(encodeState(s).length).toBe(27); // version 1: 110
  });

  it('reads the empty state and unknown segment values', () => {
    expect(decodeState(encodeStateV1(emptyState()))).toEqual(emptyState());
    const s = emptyState();
    s.segments.rfm = { value: 'legacy_value', sinceMs: 5 };
    expect(decodeState(encodeStateV1(s)).segments.rfm).toEqual({ value: 'legacy_value', sinceMs: 5 });
  });

  it('reads arbitrary states, as a string or as bytes', () => {
    fc.assert(
      fc.property(stateArb, (s) => {
        const v1 = encodeStateV1(s);
        expect(decodeState(v1)).toEqual(s);
        expect(decodeState(Buffer.from(v1, 'utf8'))).toEqual(s);
      }),
      { numRuns: 200 },
    );
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
    ['[1,null,null', /not JSON/],
  ])('rejects garbage %j', (input, reason) => {
    expect(() => decodeState(input)).toThrow(/^invalid customer state: /);
    expect(() => decodeState(input)).toThrow(reason);
    if (input.startsWith('[')) expect(() => decodeState(Buffer.from(input))).toThrow(reason);
  });
});
