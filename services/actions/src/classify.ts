import type { SegmentChangeDecoder } from '@bondstream/contracts';
import type { DeadLetter, SourceMessage } from '@bondstream/kafka-runner';
import type { ActionTrigger } from '@bondstream/model';

/**
 * Decodes a batch of segment changes. Anything undecodable becomes a dead letter with the
 * decoder's stable reason (empty_message, invalid_json, schema_violation, unknown_schema):
 * never a crash, never a silent drop.
 */
export async function classifyChanges(
  messages: readonly SourceMessage[],
  decoder: SegmentChangeDecoder,
): Promise<{ accepted: ActionTrigger[]; deadLetters: DeadLetter[] }> {
  const accepted: ActionTrigger[] = [];
  const deadLetters: DeadLetter[] = [];
  for (const message of messages) {
    const decoded = await decoder.decode(message.value);
    if (!decoded.ok) {
      deadLetters.push({ message, reason: decoded.reason, detail: decoded.detail });
      continue;
    }
    const { eventId, tenantId, customerId, dimension, from, to, occurredAt } = decoded.event;
    accepted.push({ eventId, tenantId, customerId, dimension, from, to, occurredAtMs: Date.parse(occurredAt) });
  }
  return { accepted, deadLetters };
}
