import type { OutputEncoder, SchemaRegistryClient } from '@bondstream/contracts';
import type { RelayMessage } from '@bondstream/kafka-runner';
import { emittedAtField, parseStoredSegmentChange, publishableMessage, withEmittedAt } from './segment-change.js';

/** Turns outbox entries into the published Kafka messages, stamped with emittedAt. */
export function segmentChangeMessages(registry: SchemaRegistryClient | undefined, encoder: OutputEncoder) {
  return async (stored: readonly Buffer[]): Promise<RelayMessage[]> => {
    const emittedAtMs = Date.now();
    if (registry === undefined) {
      // JSON output: the stored change is spliced, not parsed, validated and re-serialised;
      // the scorer built it from typed model output (its schema is checked in the tests).
      const field = emittedAtField(emittedAtMs);
      return stored.map((entry) => publishableMessage(entry, field));
    }
    return Promise.all(stored.map(async (entry) => {
      const { key, change } = parseStoredSegmentChange(entry.toString('utf8'));
      return { key, value: await encoder.encodeSegmentChange(withEmittedAt(change, emittedAtMs)) };
    }));
  };
}
