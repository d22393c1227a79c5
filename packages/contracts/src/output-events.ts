import { z } from 'zod';
import { customerIdSchema, eventIdSchema, isoDateTimeSchema, tenantIdSchema } from './input-events.js';

/**
 * Events bondstream publishes (DESIGN section 3). We build them ourselves; the schemas exist so
 * encoders can refuse a malformed event before it reaches other teams, and so consumers and
 * tests can validate what they read.
 */

export const DIMENSIONS = ['relationship', 'pyramid', 'rfm'] as const;
export const CAUSE_KINDS = ['event', 'clock', 'thresholds', 'model'] as const;

/** R, F and M scores are quintiles 1..5; null for a customer who never purchased. */
const quintile = z.number().int().min(1).max(5).nullable();

export const scoresSchema = z.object({
  // Not bounded below: events may lie slightly in the future (allowed clock skew).
  recencyDays: z.number().nullable(),
  frequency: z.number().int().nonnegative(),
  monetary: z.number(),
  profit: z.number(),
  loyalty: z.number().min(0).max(1),
  r: quintile,
  f: quintile,
  m: quintile,
  /** the lifetime model's: null while the tenant has no fitted model (absent from older producers) */
  pAlive: z.number().min(0).max(1).nullable().default(null),
  clv: z.number().nullable().default(null),
});

export const segmentChangeEventSchema = z.object({
  /** Deterministic (same change, same id) so at-least-once delivery can be deduplicated. */
  eventId: eventIdSchema,
  tenantId: tenantIdSchema,
  customerId: customerIdSchema,
  dimension: z.enum(DIMENSIONS),
  /** null for a customer's first assignment in this dimension. */
  from: z.string().min(1).nullable(),
  to: z.string().min(1),
  /** Time of the event or clock tick that caused the change. */
  occurredAt: isoDateTimeSchema,
  emittedAt: isoDateTimeSchema,
  cause: z.object({
    kind: z.enum(CAUSE_KINDS),
    /** The input event's id when kind is 'event'. */
    eventId: eventIdSchema.optional(),
  }),
  scores: scoresSchema,
  stateVersion: z.number().int().nonnegative(),
});

export const customerActionSchema = z.object({
  /** Deterministic, so actions are idempotent downstream. */
  actionId: z.string().min(1).max(300),
  tenantId: tenantIdSchema,
  customerId: customerIdSchema,
  action: z.string().min(1),
  /** The transition behind the action, e.g. 'relationship:butterfly->true_friend'. */
  reason: z.string().min(1),
  /** Recommended contact channel. */
  channel: z.string().min(1),
  priority: z.number().int(),
  occurredAt: isoDateTimeSchema,
  expiresAt: isoDateTimeSchema,
  causeEventId: eventIdSchema,
});

export type Dimension = (typeof DIMENSIONS)[number];
export type CauseKind = (typeof CAUSE_KINDS)[number];
export type Scores = z.infer<typeof scoresSchema>;
export type SegmentChangeEvent = z.infer<typeof segmentChangeEventSchema>;
export type CustomerAction = z.infer<typeof customerActionSchema>;
