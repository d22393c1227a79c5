import { BUCKET_FIELDS, LIFETIME_FIELDS, emptyBucket, emptyLifetime } from './state.js';
import {
  DIMENSIONS, SEGMENTS, type CustomerState, type DayBucket, type Dimension, type LifetimeTotals, type SegmentAssignment,
} from './types.js';
import { decodeStateV1, fail, int, readTime } from './codec-v1.js';
import { ByteReader, ByteWriter, VarintError } from './varint.js';

/**
 * The Redis representation of a CustomerState (field `s` of the customer hash), format version 2:
 * positional binary, no keys, no JSON. Every number is a varint (unsigned LEB128; signed values
 * carry their sign in the lowest bit of the first byte, so every safe integer fits exactly).
 *
 *   0x02                     format version (a version-1 state is JSON and starts with '[' = 0x5b)
 *   flags                    one byte: bit 0..3 lastEventAt, firstPurchase, lastPurchase, evaluatedAt
 *                            present; bit 4 rfmScores present; bit 5..7 segment of DIMENSIONS[0..2] present
 *   lastEventAtMs            time, absolute: the anchor (0 when absent)
 *   firstPurchase, lastPurchase, evaluatedAt   time, as anchor − t (small numbers), when present
 *   appliedEvents            unsigned
 *   lifetime                 bitmask: bit 0 "as differences", bit i + 1 LIFETIME_FIELDS[i] non-zero;
 *                            then those values (signed). As differences: grossMargin − (revenue − cost),
 *                            placed − revenue, firstDayPlaced − placed (mostly 0: no refunds, one day)
 *   purchaseDays             count, then newest first: anchor day − day (signed), then (gap − 1)s
 *   buckets                  count, then newest first: day as for purchaseDays, bitmask of the
 *                            non-zero BUCKET_FIELDS, those values (signed)
 *   segments                 per present dimension: index in SEGMENTS[d] + 1 (0: the raw value
 *                            follows as byte length and UTF-8), time (evaluatedAt ?? anchor) − sinceMs
 *   rfmScores                one byte (r−1)·25 + (f−1)·5 + (m−1), when present
 *
 * A "time" is signed with a 2-bit scale tag (ms, s, h, day: the coarsest that divides it), so
 * whole-second, whole-hour and whole-day times and distances take fewer bytes. Encoding is
 * deterministic (the same state gives the same bytes) and decode → encode is the identity.
 */
const VERSION = 2;
const JSON_START = 0x5b; // '[': a version-1 state

const TIME_SCALES = [1, 1_000, 3_600_000, 86_400_000] as const;
const DAY_MS = 86_400_000;

const F_LAST_EVENT = 1;
const F_FIRST_PURCHASE = 2;
const F_LAST_PURCHASE = 4;
const F_EVALUATED = 8;
const F_RFM = 16;
const F_SEGMENT0 = 32; // << dimension index

const writer = new ByteWriter();

export function encodeState(s: CustomerState): Buffer {
  const w = writer.reset();
  const anchor = s.lastEventAtMs === null ? 0 : int(s.lastEventAtMs, 'lastEventAtMs');
  const evalAnchor = s.evaluatedAtMs === null ? anchor : int(s.evaluatedAtMs, 'evaluatedAtMs');
  let flags = 0;
  if (s.lastEventAtMs !== null) flags |= F_LAST_EVENT;
  if (s.firstPurchaseAtMs !== null) flags |= F_FIRST_PURCHASE;
  if (s.lastPurchaseAtMs !== null) flags |= F_LAST_PURCHASE;
  if (s.evaluatedAtMs !== null) flags |= F_EVALUATED;
  if (s.rfmScores !== null) flags |= F_RFM;
  DIMENSIONS.forEach((d, i) => {
    if (s.segments[d] !== null) flags |= F_SEGMENT0 << i;
  });
  w.byte(VERSION);
  w.byte(flags);

  const rel = (t: number | null, what: string): void => {
    if (t !== null) writeTime(w, int(anchor - int(t, what), what));
  };
  if (s.lastEventAtMs !== null) writeTime(w, anchor);
  rel(s.firstPurchaseAtMs, 'firstPurchaseAtMs');
  rel(s.lastPurchaseAtMs, 'lastPurchaseAtMs');
  rel(s.evaluatedAtMs, 'evaluatedAtMs');

  const applied = int(s.appliedEvents, 'appliedEvents');
  if (applied < 0) throw new Error(`cannot encode customer state: appliedEvents = ${applied} is negative`);
  w.varint(applied);

  writeLifetime(w, s.lifetime);

  const anchorDay = Math.floor(anchor / DAY_MS);
  writeDays(w, s.purchaseDays.map((d) => int(d, 'purchase day')), anchorDay, 'purchaseDays');

  const days = Object.keys(s.window).map((k) => int(Number(k), 'bucket day')).sort((a, b) => a - b);
  writeDays(w, days, anchorDay, 'bucket days', (day) => {
    writeFields(w, s.window[day]!, BUCKET_FIELDS);
  });

  DIMENSIONS.forEach((d) => {
    const a = s.segments[d];
    if (a === null) return;
    const code = SEGMENTS[d].indexOf(a.value);
    w.varint(code + 1);
    if (code < 0) {
      const utf8 = Buffer.from(a.value, 'utf8');
      if (utf8.toString('utf8') !== a.value) throw new Error(`cannot encode customer state: segment ${d} value is not valid Unicode`);
      w.varint(utf8.length);
      w.bytes(utf8);
    }
    writeTime(w, int(evalAnchor - int(a.sinceMs, `segment ${d} since`), `segment ${d} since`));
  });

  if (s.rfmScores !== null) {
    const [r, f, m] = s.rfmScores.map((x) => {
      if (!Number.isInteger(x) || x < 1 || x > 5) throw new Error(`cannot encode customer state: rfm score ${x} is not 1..5`);
      return x - 1;
    }) as [number, number, number];
    w.byte(r * 25 + f * 5 + m);
  }
  return w.finish();
}

/**
 * Reads a stored state: version 2 (binary, as encodeState writes it) or version 1 (JSON, written
 * before 2026-12; given as bytes or as a string). Throws Error('invalid customer state: …') for
 * anything neither encoder can have written, including a binary state that was decoded to a
 * string on the way (its bytes ≥ 0x80 are lost: read field `s` as a Buffer).
 */
export function decodeState(encoded: Uint8Array | string): CustomerState {
  if (typeof encoded === 'string') {
    if (encoded.charCodeAt(0) === VERSION) fail('a binary (version 2) state given as a string: read it as a Buffer');
    return decodeStateV1(encoded);
  }
  if (encoded.length === 0) fail('empty');
  if (encoded[0] === JSON_START) return decodeStateV1(Buffer.from(encoded.buffer, encoded.byteOffset, encoded.length).toString('utf8'));
  if (encoded[0] !== VERSION) fail(`unknown format version byte 0x${encoded[0]!.toString(16).padStart(2, '0')}`);
  const r = new ByteReader(encoded, 1);
  try {
    return readV2(r);
  } catch (e) {
    if (e instanceof VarintError) fail(`${e.message} at byte ${r.offset}`);
    throw e;
  }
}

function readV2(r: ByteReader): CustomerState {
  const flags = r.byte();
  const anchor = flags & F_LAST_EVENT ? readTimeValue(r, 'lastEventAtMs') : 0;
  const abs = (flag: number, what: string): number | null => (flags & flag ? readTime(anchor - readTimeValue(r, what), what) : null);
  const s: CustomerState = {
    firstPurchaseAtMs: abs(F_FIRST_PURCHASE, 'firstPurchaseAtMs'),
    lastPurchaseAtMs: abs(F_LAST_PURCHASE, 'lastPurchaseAtMs'),
    lastEventAtMs: flags & F_LAST_EVENT ? anchor : null,
    evaluatedAtMs: abs(F_EVALUATED, 'evaluatedAtMs'),
    appliedEvents: r.varint(),
    lifetime: emptyLifetime(),
    purchaseDays: [],
    window: {},
    segments: { relationship: null, pyramid: null, rfm: null },
    rfmScores: null,
  };

  readLifetime(r, s.lifetime);

  const anchorDay = Math.floor(anchor / DAY_MS);
  s.purchaseDays = readDays(r, anchorDay, 'purchaseDays');

  const buckets: [number, DayBucket][] = [];
  readDays(r, anchorDay, 'bucket days', (day) => {
    const b = emptyBucket();
    readFields(r, b, BUCKET_FIELDS, 'bucket');
    buckets.push([day, b]);
  });
  for (let i = buckets.length - 1; i >= 0; i--) s.window[buckets[i]![0]] = buckets[i]![1];

  const evalAnchor = s.evaluatedAtMs ?? anchor;
  DIMENSIONS.forEach((d, i) => {
    if (flags & (F_SEGMENT0 << i)) s.segments[d] = readSegment(r, d, evalAnchor);
  });

  if (flags & F_RFM) {
    const packed = r.byte();
    if (packed >= 125) fail(`rfmScores: expected three scores 1..5, got code ${packed}`);
    s.rfmScores = [Math.floor(packed / 25) + 1, (Math.floor(packed / 5) % 5) + 1, (packed % 5) + 1];
  }
  if (!r.done) fail(`trailing bytes after byte ${r.offset}`);
  return s;
}

function readSegment(r: ByteReader, d: Dimension, evalAnchor: number): SegmentAssignment {
  const code = r.varint();
  let value: string;
  if (code === 0) {
    const bytes = r.bytes(r.varint());
    try {
      value = UTF8.decode(bytes);
    } catch {
      fail(`segment ${d}: value is not UTF-8`);
    }
  } else {
    const known = SEGMENTS[d][code - 1];
    if (known === undefined) fail(`segment ${d}: unknown value code ${code - 1}`);
    value = known;
  }
  return { value, sinceMs: readTime(evalAnchor - readTimeValue(r, `segment ${d} since`), `segment ${d} since`) };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A signed time or time distance with the coarsest scale that divides it. */
function writeTime(w: ByteWriter, t: number): void {
  let tag = TIME_SCALES.length - 1;
  while (tag > 0 && t % TIME_SCALES[tag]! !== 0) tag--;
  w.signed(t / TIME_SCALES[tag]!, tag, 2);
}

function readTimeValue(r: ByteReader, what: string): number {
  const v = r.signed(2);
  return readTime(v * TIME_SCALES[r.low]!, what);
}

/** Bitmask of the non-zero fields (bit i: fields[i]), then their values, signed. */
function writeFields<K extends string>(w: ByteWriter, values: Record<K, number>, fields: readonly K[]): void {
  let mask = 0;
  for (let i = 0; i < fields.length; i++) if (int(values[fields[i]!], fields[i]!) !== 0) mask |= 1 << i;
  w.varint(mask);
  for (let i = 0; i < fields.length; i++) if (mask & (1 << i)) w.signed(values[fields[i]!]);
}

/** Reads what writeFields wrote into `into` (whose fields start at 0). */
function readFields<K extends string>(r: ByteReader, into: Record<K, number>, fields: readonly K[], what: string): void {
  const mask = r.varint();
  if (mask >= 1 << fields.length) fail(`${what}: unknown field in mask ${mask.toString(2)}`);
  for (let i = 0; i < fields.length; i++) if (mask & (1 << i)) into[fields[i]!] = r.signed();
}

/**
 * The lifetime totals, three of them as differences from what the others predict when every
 * difference is a safe integer (bit 0 of the mask says so): then they are mostly 0 and take no
 * bytes. Fields added to LIFETIME_FIELDS later take the next bits.
 */
function writeLifetime(w: ByteWriter, l: LifetimeTotals): void {
  const values = LIFETIME_FIELDS.map((f) => int(l[f], f));
  const base = l.revenueCents - l.costCents;
  const margin = l.grossMarginCents - base;
  const placed = l.placedCents - l.revenueCents;
  const firstDay = l.firstDayPlacedCents - l.placedCents;
  let mask = 0;
  if ([base, margin, placed, firstDay].every(Number.isSafeInteger)) {
    mask = 1;
    values[LIFETIME_FIELDS.indexOf('grossMarginCents')] = margin;
    values[LIFETIME_FIELDS.indexOf('placedCents')] = placed;
    values[LIFETIME_FIELDS.indexOf('firstDayPlacedCents')] = firstDay;
  }
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) mask |= 2 << i;
  w.varint(mask);
  for (let i = 0; i < values.length; i++) if (mask & (2 << i)) w.signed(values[i]!);
}

function readLifetime(r: ByteReader, into: LifetimeTotals): void {
  const mask = r.varint();
  if (mask >= 2 << LIFETIME_FIELDS.length) fail(`lifetime: unknown field in mask ${mask.toString(2)}`);
  for (let i = 0; i < LIFETIME_FIELDS.length; i++) if (mask & (2 << i)) into[LIFETIME_FIELDS[i]!] = r.signed();
  if (mask & 1) {
    const sum = (a: number, b: number): number => (Number.isSafeInteger(a + b) ? a + b : fail('lifetime: out of range'));
    into.grossMarginCents = sum(into.grossMarginCents, sum(into.revenueCents, -into.costCents));
    into.placedCents = sum(into.placedCents, into.revenueCents);
    into.firstDayPlacedCents = sum(into.firstDayPlacedCents, into.placedCents);
  }
}

/**
 * Strictly ascending day numbers, newest first: count, anchorDay − newest (signed), then each
 * gap to the next older one minus one (a gap is at least 1). `each` writes a day's payload.
 */
function writeDays(w: ByteWriter, days: readonly number[], anchorDay: number, what: string, each?: (day: number) => void): void {
  w.varint(days.length);
  for (let i = days.length - 1; i >= 0; i--) {
    const day = days[i]!;
    if (i === days.length - 1) w.signed(int(anchorDay - day, what));
    else {
      const gap = int(days[i + 1]! - day, what);
      if (gap <= 0) throw new Error(`cannot encode customer state: ${what} not strictly ascending`);
      w.varint(gap - 1);
    }
    each?.(day);
  }
}

/** Reads what writeDays wrote; returns the days ascending. */
function readDays(r: ByteReader, anchorDay: number, what: string, each?: (day: number) => void): number[] {
  const count = r.varint();
  if (count > r.remaining) fail(`${what}: count ${count} beyond the end`);
  const days = new Array<number>(count);
  let day = 0;
  for (let n = 0; n < count; n++) {
    day = n === 0 ? anchorDay - r.signed() : day - r.varint() - 1;
    if (!Number.isSafeInteger(day)) fail(`${what}: day out of range`);
    days[count - 1 - n] = day;
    each?.(day);
  }
  return days;
}
