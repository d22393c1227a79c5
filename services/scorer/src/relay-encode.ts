import type { OutputEncoder, SchemaRegistryClient } from '@bondstream/contracts';
import { parseStoredSegmentChange, publishableJson, withEmittedAt } from './segment-change.js';

/** Turns an outbox entry into the published Kafka message, stamped with emittedAt. */
export function segmentChangeMessage(registry: SchemaRegistryClient | undefined, encoder: OutputEncoder) {
  return async (stored: string): Promise<{ key: string; value: Buffer }> => {
    if (registry === undefined) {
      // JSON output: the stored change is spliced, not parsed, validated and re-serialised;
      // the scorer built it from typed model output (its schema is checked in the tests).
      const { key, value } = publishableJson(stored, Date.now());
      return { key, value: Buffer.from(value, 'utf8') };
    }
    const { key, change } = parseStoredSegmentChange(stored);
    return { key, value: await encoder.encodeSegmentChange(withEmittedAt(change, Date.now())) };
  };
}
