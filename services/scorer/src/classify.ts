import type { InputDecoder } from '@bondstream/contracts';
import type { DeadLetter, SourceMessage } from '@bondstream/kafka-runner';
import type { ModelEvent } from '@bondstream/model';
import { toModelEvent } from './to-model.js';

/** A valid input event, ready to apply. */
export interface AcceptedEvent {
  tenantId: string;
  customerId: string;
  event: ModelEvent;
}

/**
 * Decodes and validates a batch. Far-future events are dead-lettered here: a clock bug at a
 * platform must not push a customer's recency or window into the future.
 */
export async function classifyMessages(
  messages: readonly SourceMessage[],
  decoder: InputDecoder,
  options: { wallNowMs: number; maxFutureSkewMs: number },
): Promise<{ accepted: AcceptedEvent[]; deadLetters: DeadLetter[] }> {
  const accepted: AcceptedEvent[] = [];
  const deadLetters: DeadLetter[] = [];
  const latestAllowed = options.wallNowMs + options.maxFutureSkewMs;
  for (const message of messages) {
    const result = await decoder.decode(message.value);
    if (!result.ok) {
      deadLetters.push({ message, reason: result.reason, detail: result.detail });
      continue;
    }
    const event = toModelEvent(result.event);
    if (event.occurredAtMs > latestAllowed) {
      deadLetters.push({
        message,
        reason: 'future_timestamp',
        detail: `occurredAt ${result.event.occurredAt} is more than ${options.maxFutureSkewMs / 1000} s ahead of the clock`,
      });
      continue;
    }
    accepted.push({ tenantId: result.event.tenantId, customerId: result.event.customerId, event });
  }
  return { accepted, deadLetters };
}
