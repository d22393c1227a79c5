import { toCents, type ModelEvent } from '@bondstream/model';
import type { InputEvent } from '@bondstream/contracts';

/** The wire event (major units, ISO times) in the model's units (cents, epoch ms). */
export function toModelEvent(event: InputEvent): ModelEvent {
  const occurredAtMs = Date.parse(event.occurredAt);
  if (event.type === 'interaction') {
    return {
      eventId: event.eventId,
      type: 'interaction',
      occurredAtMs,
      channel: event.channel,
      kind: event.kind,
      ...(event.cost === undefined ? {} : { costCents: toCents(event.cost) }),
      ...(event.satisfaction === undefined ? {} : { satisfaction: event.satisfaction }),
    };
  }
  return {
    eventId: event.eventId,
    type: event.type,
    occurredAtMs,
    amountCents: toCents(event.amount),
    ...(event.cost === undefined ? {} : { costCents: toCents(event.cost) }),
  };
}
