import type { z } from 'zod';

/**
 * Stable codes in the `error.reason` header of dead letters (DESIGN section 3). Dashboards and
 * alerts group by them, so codes are only ever added, never renamed.
 */
export const DEAD_LETTER_REASONS = [
  'invalid_json',
  'schema_violation',
  'unknown_schema',
  'empty_message',
  // Produced by the scorer (it needs the clock and the policy's allowed skew), not the decoder.
  'future_timestamp',
  // Produced by the scorer: occurredAt before the policy's earliestPlausibleDate (an unset date
  // at a platform read as 0001-01-01 or 1970-01-01). The wire schema accepts any valid ISO time.
  'implausible_timestamp',
  // Produced by the actions service: a webhook delivery failed on its last attempt (the dead
  // letter holds the action as JSON, keyed by customerId).
  'webhook_failed',
] as const;

export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** Header names of a dead letter; the original key and value are kept unchanged. */
export const DEAD_LETTER_HEADERS = {
  reason: 'error.reason',
  detail: 'error.detail',
  sourceTopic: 'source.topic',
  sourcePartition: 'source.partition',
  sourceOffset: 'source.offset',
} as const;

/** Details go into Kafka headers and logs: long enough to debug, short enough to not bloat. */
export const MAX_DETAIL_LENGTH = 500;

export function truncateDetail(detail: string): string {
  return detail.length <= MAX_DETAIL_LENGTH ? detail : `${detail.slice(0, MAX_DETAIL_LENGTH - 1)}…`;
}

/** "amount: Too small: expected number to be >0; items.0.sku: ..." — the paths a producer must fix. */
export function describeZodError(error: z.ZodError): string {
  const parts = error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
  return truncateDetail(parts.join('; '));
}

/** The message, plus its cause's (fetch says only "fetch failed"; the cause says why). */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  return cause instanceof Error && cause.message !== '' ? `${error.message}: ${cause.message}` : error.message;
}
