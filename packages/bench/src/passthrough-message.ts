import { DIMENSIONS } from '@bondstream/contracts';

/** About what the scorer publishes per new customer in the latency phase (3.4 changes an event on 2026-12-03). */
export const CHANGES_PER_EVENT = DIMENSIONS.length;

/**
 * What the latency floor's pass-through (passthrough.ts) publishes for one consumed order: a
 * first assignment in each dimension, of the size and shape the relay publishes (scores
 * included), caused by the order, keyed by its customer. A value that is no such order gives
 * nothing (the bench sends only orders; nothing to crash on).
 */
export function passThroughChanges(value: Buffer | null, emittedAt: string): { key: string; value: string }[] {
  let event: { eventId?: unknown; customerId?: unknown; occurredAt?: unknown };
  try {
    event = JSON.parse(value?.toString('utf8') ?? 'null') as typeof event;
  } catch {
    return [];
  }
  const { eventId, customerId, occurredAt } = event ?? {};
  if (typeof eventId !== 'string' || typeof customerId !== 'string' || typeof occurredAt !== 'string') return [];
  return DIMENSIONS.map((dimension) => ({
    key: customerId,
    value: JSON.stringify({
      eventId: `${eventId}:${dimension}`, tenantId: 'latency', customerId, dimension, from: null, to: 'new',
      occurredAt, emittedAt, cause: { kind: 'event', eventId },
      scores: { recencyDays: 0, frequency: 1, monetary: 25, profit: 7.5, loyalty: 0.1, r: 5, f: 1, m: 1, pAlive: 1, clv: null },
      stateVersion: 1,
    }),
  }));
}
