import { hash } from 'node:crypto';
import { isoTime, type ChangeCauseKind, type Scores, type SegmentChange } from '@bondstream/model';

/** The segment-change event as kept in the outbox; the relay adds emittedAt when publishing. */
export interface StoredSegmentChange {
  eventId: string;
  tenantId: string;
  customerId: string;
  dimension: SegmentChange['dimension'];
  from: string | null;
  to: string;
  occurredAt: string;
  cause: { kind: ChangeCauseKind; eventId?: string };
  scores: Scores;
  stateVersion: number;
}

/**
 * Same change (customer, dimension, from, to, state version and evaluation time) ⇒ same id. The
 * time is part of it because the clock and the thresholds refresh change segments without a new
 * event: a customer flipping A → B → A → B at one state version makes two different A → B changes.
 */
export function segmentChangeId(tenantId: string, customerId: string, change: SegmentChange, stateVersion: number): string {
  return hash('sha256', [tenantId, customerId, change.dimension, change.from ?? '', change.to, String(stateVersion), String(change.atMs)].join('\u0000'))
    .slice(0, 32);
}

/** What the segment changes of one write share. */
export interface SegmentChangeInput {
  tenantId: string;
  customerId: string;
  stateVersion: number;
  occurredAtMs: number;
  cause: { kind: ChangeCauseKind; eventId?: string };
  scores: Scores;
}

/**
 * One change as an object: the reference that storeSegmentChanges (the scorer's path) is
 * property-tested against, byte for byte.
 */
export function buildSegmentChange(input: SegmentChangeInput & { change: SegmentChange }): StoredSegmentChange {
  return {
    eventId: segmentChangeId(input.tenantId, input.customerId, input.change, input.stateVersion),
    tenantId: input.tenantId,
    customerId: input.customerId,
    dimension: input.change.dimension,
    from: input.change.from,
    to: input.change.to,
    occurredAt: isoTime(input.occurredAtMs),
    cause: input.cause,
    scores: input.scores,
    stateVersion: input.stateVersion,
  };
}

/** The published form: emittedAt placed after occurredAt, as in DESIGN section 3. */
export function withEmittedAt(stored: StoredSegmentChange, emittedAtMs: number) {
  const { eventId, tenantId, customerId, dimension, from, to, occurredAt, cause, scores, stateVersion } = stored;
  return {
    eventId, tenantId, customerId, dimension, from, to, occurredAt,
    emittedAt: new Date(emittedAtMs).toISOString(), cause, scores, stateVersion,
  };
}

/**
 * The outbox entry: the partition key (customer id), a NUL, then the change as JSON without
 * emittedAt. JSON.stringify escapes every control character, so the last NUL is the separator
 * whatever the customer id holds.
 */
export function storeSegmentChange(change: StoredSegmentChange): string {
  return `${change.customerId}\u0000${JSON.stringify(change)}`;
}

/**
 * The outbox entries of one write's changes: the same bytes as storeSegmentChange(
 * buildSegmentChange(...)) for each (tested), but what the changes of one write share (tenant,
 * customer, time, cause, scores) is serialised once: a first assignment writes three changes,
 * and this runs for nearly every event.
 */
export function storeSegmentChanges(input: SegmentChangeInput, changes: readonly SegmentChange[]): string[] {
  if (changes.length === 0) return [];
  const { tenantId, customerId, stateVersion } = input;
  const who = `","tenantId":${JSON.stringify(tenantId)},"customerId":${JSON.stringify(customerId)},"dimension":`;
  const rest = `,"occurredAt":"${isoTime(input.occurredAtMs)}","cause":${JSON.stringify(input.cause)},"scores":${JSON.stringify(input.scores)},"stateVersion":${JSON.stringify(stateVersion)}}`;
  return changes.map((change) =>
    `${customerId}\u0000{"eventId":"${segmentChangeId(tenantId, customerId, change, stateVersion)}${who}${JSON.stringify(change.dimension)},"from":${JSON.stringify(change.from)},"to":${JSON.stringify(change.to)}${rest}`);
}

/** The key and the stored change, parsed (for Avro output, which re-encodes it). */
export function parseStoredSegmentChange(stored: string): { key: string; change: StoredSegmentChange } {
  const separator = stored.lastIndexOf('\u0000');
  return { key: stored.slice(0, separator), change: JSON.parse(stored.slice(separator + 1)) as StoredSegmentChange };
}

const CAUSE_FIELD = Buffer.from(',"cause":{');

/**
 * The published message, spliced rather than parsed and re-serialised: the relay publishes
 * every change, so this is on the hot path, and it works on the stored bytes as Redis returned
 * them. emittedAt (`"emittedAt":"…",` as bytes, see emittedAtField) goes right before `cause`,
 * after occurredAt, as in DESIGN section 3; a raw `,"cause":{` cannot occur earlier because
 * quotes inside string values are escaped. The bytes are the same as
 * JSON.stringify(withEmittedAt(change)) (tested).
 */
export function publishableMessage(stored: Buffer, emittedAtField: Buffer): { key: Buffer; value: Buffer } {
  const separator = stored.lastIndexOf(0);
  const at = stored.indexOf(CAUSE_FIELD, separator + 1);
  if (separator < 0 || at < 0) throw new Error('not a stored segment change');
  const head = stored.subarray(separator + 1, at + 1); // up to and including the comma
  const tail = stored.subarray(at + 1);
  return { key: stored.subarray(0, separator), value: Buffer.concat([head, emittedAtField, tail], head.length + emittedAtField.length + tail.length) };
}

/** The bytes publishableMessage inserts: one per relay cycle, shared by its messages. */
export function emittedAtField(emittedAtMs: number): Buffer {
  return Buffer.from(`"emittedAt":"${new Date(emittedAtMs).toISOString()}",`);
}
