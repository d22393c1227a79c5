import { createHash } from 'node:crypto';
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
  return createHash('sha256')
    .update([tenantId, customerId, change.dimension, change.from ?? '', change.to, String(stateVersion), String(change.atMs)].join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}

export function buildSegmentChange(input: {
  tenantId: string;
  customerId: string;
  change: SegmentChange;
  stateVersion: number;
  occurredAtMs: number;
  cause: { kind: ChangeCauseKind; eventId?: string };
  scores: Scores;
}): StoredSegmentChange {
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
