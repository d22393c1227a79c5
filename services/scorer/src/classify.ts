import type { InputDecoder, InputEvent } from '@bondstream/contracts';
import type { DeadLetter, SourceMessage } from '@bondstream/kafka-runner';
import { earliestPlausibleMs, invalidEventReason, type ModelEvent, type Policy } from '@bondstream/model';
import { toModelEvent } from './to-model.js';

/** A valid input event, ready to apply. */
export interface AcceptedEvent {
  tenantId: string;
  customerId: string;
  event: ModelEvent;
  /** the source record's Kafka timestamp (ms; NaN or absent when unknown): the latency stages start there */
  producedAtMs?: number;
}

/**
 * Decodes and validates a batch. Events outside the plausible time range are dead-lettered
 * here: a clock bug at a platform must not push a customer's recency or window into the future
 * (`future_timestamp`), and an unset date read as 0001-01-01 or the epoch must not make a
 * first purchase decades old (`implausible_timestamp`).
 */
export async function classifyMessages(
  messages: readonly SourceMessage[],
  decoder: InputDecoder,
  options: { wallNowMs: number; policy: Policy },
): Promise<{ accepted: AcceptedEvent[]; deadLetters: DeadLetter[] }> {
  const accepted: AcceptedEvent[] = [];
  const deadLetters: DeadLetter[] = [];
  const maxFutureSkewMs = options.policy.maxFutureSkewSeconds * 1_000;
  const earliestMs = earliestPlausibleMs(options.policy); // once per batch, not per event
  for (const message of messages) {
    const decoded = decoder.decodeNow(message.value) ?? await decoder.decode(message.value);
    if (!decoded.ok) {
      deadLetters.push({ message, reason: decoded.reason, detail: decoded.detail });
      continue;
    }
    const converted = toApplicable(decoded.event, options.policy);
    if ('invalid' in converted) {
      // Passed the wire schema but the model cannot apply it: it must not fail a batch forever.
      deadLetters.push({ message, reason: 'schema_violation', detail: converted.invalid });
      continue;
    }
    if (converted.event.occurredAtMs > options.wallNowMs + maxFutureSkewMs) {
      deadLetters.push({
        message,
        reason: 'future_timestamp',
        detail: `occurredAt ${decoded.event.occurredAt} is more than ${maxFutureSkewMs / 1_000} s ahead of the clock`,
      });
      continue;
    }
    if (converted.event.occurredAtMs < earliestMs) {
      deadLetters.push({
        message,
        reason: 'implausible_timestamp',
        detail: `occurredAt ${decoded.event.occurredAt} is before the policy's earliest plausible date ${options.policy.earliestPlausibleDate}`,
      });
      continue;
    }
    accepted.push({ tenantId: decoded.event.tenantId, customerId: decoded.event.customerId, event: converted.event, producedAtMs: message.producedAtMs ?? Number.NaN });
  }
  return { accepted, deadLetters };
}

function toApplicable(input: InputEvent, policy: Policy): { event: ModelEvent } | { invalid: string } {
  try {
    const event = toModelEvent(input);
    const invalid = invalidEventReason(event, policy);
    return invalid === null ? { event } : { invalid };
  } catch (error) {
    return { invalid: error instanceof Error ? error.message : String(error) };
  }
}
