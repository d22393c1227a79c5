import { BUCKET_FIELDS, LIFETIME_FIELDS, emptyBucket, emptyLifetime } from './state.js';
import { DIMENSIONS, SEGMENTS, type CustomerState, type DayBucket, type Dimension, type SegmentAssignment } from './types.js';

/**
 * Format version 1 of the stored CustomerState (written until 2026-12; `codec.ts` writes version
 * 2 and still reads this one): one positional JSON array, no keys.
 *
 *   [1,                      format version
 *    lastEventAtMs,          the time anchor (null for a state without events)
 *    firstPurchase, lastPurchase, evaluatedAt,   as anchor − t (small numbers), or null
 *    appliedEvents,
 *    lifetime,               LIFETIME_FIELDS in order, trailing zeros dropped
 *    purchaseDays,           first day, then the gaps
 *    buckets,                [[day (first) / day gap (next), ...BUCKET_FIELDS without trailing zeros], ...]
 *    segments,               per DIMENSIONS: null or [index in SEGMENTS[d] (or the raw string),
 *                            (evaluatedAt ?? anchor) − sinceMs]
 *    rfmScores]              [r, f, m] or null
 *
 * Times relative to the last event / evaluation are shorter than 13-digit epochs (often 0); segment values
 * are indexes into the fixed vocabulary. Numbers are written only as safe integers, which JSON keeps
 * exactly, so encode → decode is the identity (a property test checks it).
 */
const VERSION = 1;

export function encodeStateV1(s: CustomerState): string {
  const anchor = s.lastEventAtMs ?? 0;
  const rel = (t: number | null): number | null => (t === null ? null : int(anchor - t, 'time'));

  const days = Object.keys(s.window).map(Number).sort((a, b) => a - b);
  let prevDay = 0;
  const buckets = days.map((day, i) => {
    const b = s.window[day]!;
    const row = [int(i === 0 ? day : day - prevDay, 'bucket day'), ...BUCKET_FIELDS.map((f) => int(b[f], f))];
    prevDay = day;
    return trimZeros(row, 1);
  });

  const purchaseDays = s.purchaseDays.map((d, i) => int(i === 0 ? d : d - s.purchaseDays[i - 1]!, 'purchase day'));

  // Segments change at evaluations, so their times are kept relative to the last one (mostly 0).
  const evalAnchor = s.evaluatedAtMs ?? anchor;
  const segments = DIMENSIONS.map((d) => {
    const a = s.segments[d];
    if (a === null) return null;
    const code = SEGMENTS[d].indexOf(a.value);
    return [code >= 0 ? code : a.value, int(evalAnchor - a.sinceMs, 'segment since')];
  });

  return JSON.stringify([
    VERSION,
    s.lastEventAtMs === null ? null : int(s.lastEventAtMs, 'lastEventAtMs'),
    rel(s.firstPurchaseAtMs),
    rel(s.lastPurchaseAtMs),
    rel(s.evaluatedAtMs),
    int(s.appliedEvents, 'appliedEvents'),
    trimZeros(LIFETIME_FIELDS.map((f) => int(s.lifetime[f], f)), 0),
    purchaseDays,
    buckets,
    segments,
    s.rfmScores === null ? null : s.rfmScores.map((x) => int(x, 'rfm score')),
  ]);
}

/** Throws Error('invalid customer state: …') for anything encodeStateV1 cannot have written. */
export function decodeStateV1(encoded: string): CustomerState {
  let raw: unknown;
  try {
    raw = JSON.parse(encoded);
  } catch {
    fail('not JSON');
  }
  if (!Array.isArray(raw) || raw.length !== 11) fail('expected an array of 11 fields');
  const [version, lastEvent, first, last, evaluated, applied, lifetime, purchaseDays, buckets, segments, rfm] = raw;
  if (version !== VERSION) fail(`unknown format version ${JSON.stringify(version)}`);

  const anchor = lastEvent === null ? 0 : readInt(lastEvent, 'lastEventAtMs');
  const abs = (v: unknown, what: string): number | null => (v === null ? null : readTime(anchor - readInt(v, what), what));

  const s: CustomerState = {
    firstPurchaseAtMs: abs(first, 'firstPurchaseAtMs'),
    lastPurchaseAtMs: abs(last, 'lastPurchaseAtMs'),
    lastEventAtMs: lastEvent === null ? null : anchor,
    appliedEvents: readInt(applied, 'appliedEvents'),
    lifetime: emptyLifetime(),
    purchaseDays: [],
    window: {},
    segments: { relationship: null, pyramid: null, rfm: null },
    evaluatedAtMs: abs(evaluated, 'evaluatedAtMs'),
    rfmScores: null,
  };
  if (s.appliedEvents < 0) fail('negative appliedEvents');

  const lt = readIntArray(lifetime, 'lifetime', LIFETIME_FIELDS.length);
  LIFETIME_FIELDS.forEach((f, i) => (s.lifetime[f] = lt[i] ?? 0));

  let day = 0;
  readIntArray(purchaseDays, 'purchaseDays').forEach((v, i) => {
    if (i > 0 && v <= 0) fail('purchaseDays not strictly ascending');
    day = i === 0 ? v : day + v;
    s.purchaseDays.push(day);
  });

  if (!Array.isArray(buckets)) fail('buckets: expected an array');
  day = 0;
  buckets.forEach((row: unknown, i) => {
    const [delta, ...values] = readIntArray(row, 'bucket', BUCKET_FIELDS.length + 1);
    if (delta === undefined) fail('empty bucket row');
    if (i > 0 && delta <= 0) fail('bucket days not strictly ascending');
    day = i === 0 ? delta : day + delta;
    const b: DayBucket = emptyBucket();
    BUCKET_FIELDS.forEach((f, j) => (b[f] = values[j] ?? 0));
    s.window[day] = b;
  });

  if (!Array.isArray(segments) || segments.length !== DIMENSIONS.length) fail('segments: expected 3 entries');
  const evalAnchor = s.evaluatedAtMs ?? anchor;
  DIMENSIONS.forEach((d, i) => (s.segments[d] = readSegment(d, segments[i], evalAnchor)));

  if (rfm !== null) {
    const scores = readIntArray(rfm, 'rfmScores', 3);
    if (scores.length !== 3 || scores.some((x) => x < 1 || x > 5)) fail('rfmScores: expected three scores 1..5');
    s.rfmScores = [scores[0]!, scores[1]!, scores[2]!];
  }
  return s;
}

function readSegment(d: Dimension, v: unknown, anchor: number): SegmentAssignment | null {
  if (v === null) return null;
  if (!Array.isArray(v) || v.length !== 2) fail(`segment ${d}: expected [value, since]`);
  const [code, since] = v as [unknown, unknown];
  let value: string;
  if (typeof code === 'string') value = code;
  else {
    const known = SEGMENTS[d][readInt(code, `segment ${d}`)];
    if (known === undefined) fail(`segment ${d}: unknown value code ${String(code)}`);
    value = known;
  }
  return { value, sinceMs: readTime(anchor - readInt(since, `segment ${d} since`), `segment ${d} since`) };
}

export function fail(why: string): never {
  throw new Error(`invalid customer state: ${why}`);
}

function readInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(`${what}: expected an integer, got ${JSON.stringify(v)}`);
  return v;
}

export function readTime(t: number, what: string): number {
  if (!Number.isSafeInteger(t)) fail(`${what}: time out of range`);
  return t;
}

function readIntArray(v: unknown, what: string, maxLength = Infinity): number[] {
  if (!Array.isArray(v) || v.length > maxLength) fail(`${what}: expected an array of at most ${maxLength} integers`);
  return v.map((x: unknown) => readInt(x, what));
}

/** Encoding refuses what it could not restore exactly (NaN, fractions, beyond 2^53). */
export function int(v: number, what: string): number {
  if (!Number.isSafeInteger(v)) throw new Error(`cannot encode customer state: ${what} = ${v} is not a safe integer`);
  return v;
}

/** Drops trailing zeros, keeping at least `keep` elements; decoding pads them back. */
function trimZeros(row: number[], keep: number): number[] {
  let end = row.length;
  while (end > keep && row[end - 1] === 0) end--;
  return row.slice(0, end);
}
