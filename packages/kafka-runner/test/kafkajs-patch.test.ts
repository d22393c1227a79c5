import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/**
 * kafkajs 2.2.4 is patched on install (patches/kafkajs+2.2.4.patch, see patches/README.md).
 * These tests pin what the patch must keep: the same partitions in the same order, and the
 * same bytes on the wire as kafkajs' own generic encoder.
 */
const require = createRequire(import.meta.url);
const kafkajsDir = require.resolve('kafkajs').replace(/index\.js$/, '');

interface Message { key: string | null; value: string }
type Grouping = (args: { topic: string; partitionMetadata: unknown[]; messages: Message[]; partitioner: (args: { message: Message }) => number }) => Record<string, Message[]>;
interface EncoderLike { buffer: Buffer }
type RecordEncoder = (record: { offsetDelta?: number; timestampDelta?: unknown; key: unknown; value: unknown; headers?: Record<string, string> }) => EncoderLike;
interface LongClass { fromNumber(value: number): unknown }

const groupMessagesPerPartition = require(`${kafkajsDir}src/producer/groupMessagesPerPartition.js`) as Grouping;
const encodeRecord = require(`${kafkajsDir}src/protocol/recordBatch/record/v0/index.js`) as RecordEncoder;
const Long = require(`${kafkajsDir}src/utils/long.js`) as LongClass;

describe('the kafkajs patch', () => {
  it('is applied to the installed kafkajs (postinstall ran)', () => {
    for (const file of ['src/producer/groupMessagesPerPartition.js', 'src/protocol/recordBatch/record/v0/index.js']) {
      expect(readFileSync(`${kafkajsDir}${file}`, 'utf8'), file).toContain('bondstream patch');
    }
  });

  it('groups messages per partition in their send order, none lost or repeated', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.array(fc.record({ key: fc.option(fc.string(), { nil: null }), value: fc.string() }), { maxLength: 300 }),
      (partitions, messages) => {
        const partitioner = ({ message }: { message: Message }) => ((message.key ?? '').length + message.value.length) % partitions;
        const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata: Array.from({ length: partitions }), messages, partitioner });
        const expected: Record<string, Message[]> = {};
        for (const message of messages) (expected[String(partitioner({ message }))] ??= []).push(message);
        expect(grouped).toEqual(expected);
        for (const [partition, group] of Object.entries(grouped)) {
          expect(group.every((m) => messages.includes(m)), partition).toBe(true);
        }
      },
    ));
  });

  it('encodes a record without headers to the same bytes as kafkajs\' generic encoder', () => {
    const bytes = fc.oneof(
      fc.constant(null),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.uint8Array({ maxLength: 20_000 }).map((a) => Buffer.from(a)),
    );
    const delta = fc.oneof(fc.integer({ min: -(2 ** 30), max: 2 ** 30 }), fc.integer({ min: -200, max: 20_000 }));
    fc.assert(fc.property(bytes, bytes, fc.nat({ max: 2 ** 30 }), delta, (key, value, offsetDelta, timestampDelta) => {
      const fast = encodeRecord({ offsetDelta, timestampDelta, key, value });
      // A Long timestamp delta takes kafkajs' generic path, byte for byte the unpatched encoder.
      const generic = encodeRecord({ offsetDelta, timestampDelta: Long.fromNumber(timestampDelta), key, value });
      expect(fast.buffer.equals(generic.buffer)).toBe(true);
    }), { numRuns: 500 });
  });

  it('still encodes records with headers through the generic path', () => {
    const record = encodeRecord({ offsetDelta: 3, timestampDelta: 0, key: 'k', value: 'v', headers: { source: 'bondstream' } });
    expect(record.buffer.includes(Buffer.from('bondstream'))).toBe(true);
  });
});
