import { createRequire } from 'node:module';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
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
const murmur2 = require(`${kafkajsDir}src/producer/partitioners/default/murmur2.js`) as (key: Buffer | string) => number;

/**
 * kafkajs' murmur2 before the patch, in the 64-bit arithmetic it did with its BigInt Long
 * (products and xors wrapped to 64 bits, the shifts on the low 32 bits): the reference the
 * 32-bit version must equal.
 */
function murmur2In64Bits(data: Buffer): number {
  const wrap = (x: bigint) => BigInt.asIntN(64, x);
  const low32 = (x: bigint) => Number(BigInt.asIntN(32, x));
  const M = 0x5bd1e995n;
  let h = wrap(0x9747b28cn ^ BigInt(data.length));
  for (let i = 0; i + 4 <= data.length; i += 4) {
    let k = BigInt((data[i]! & 0xff) + ((data[i + 1]! & 0xff) << 8) + ((data[i + 2]! & 0xff) << 16) + ((data[i + 3]! & 0xff) << 24));
    k = wrap(k * M);
    k = wrap(k ^ BigInt(low32(k) >>> 24));
    k = wrap(k * M);
    h = wrap(wrap(h * M) ^ k);
  }
  const tail = data.length & ~3;
  switch (data.length % 4) {
    case 3: h ^= BigInt((data[tail + 2]! & 0xff) << 16); // falls through
    case 2: h ^= BigInt((data[tail + 1]! & 0xff) << 8); // falls through
    case 1: h = wrap(wrap(h ^ BigInt(data[tail]! & 0xff)) * M);
  }
  h = wrap(h ^ BigInt(low32(h) >>> 13));
  h = wrap(h * M);
  h = wrap(h ^ BigInt(low32(h) >>> 15));
  return low32(h);
}

const PRODUCE_REQUEST = 'src/protocol/requests/produce/v3/request.js';
/** The part of the produce request the patch replaced, as kafkajs 2.2.4 ships it. */
const UNPATCHED_TIMESTAMPS_AND_RECORDS = `  const messageTimestamps = messages
    .map(m => m.timestamp)
    .filter(timestamp => timestamp != null)
    .sort()

  const timestamps = messageTimestamps.length === 0 ? [dateNow] : messageTimestamps
  const firstTimestamp = timestamps[0]
  const maxTimestamp = timestamps[timestamps.length - 1]

  const records = messages.map((message, i) =>
    Record({
      ...message,
      offsetDelta: i,
      timestampDelta: (message.timestamp || dateNow) - firstTimestamp,
    })
  )
`;
type ProduceRequest = (args: { acks: number; timeout: number; topicData: unknown[] }) => { encode(): Promise<{ buffer: Buffer }> };

const REQUEST_QUEUE = 'src/network/requestQueue/index.js';
interface RequestQueueLike {
  pending: unknown[];
  throttleCheckTimeoutId: unknown;
  push(request: { entry: Record<string, unknown>; expectResponse: boolean; sendRequest: () => void }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}
const RequestQueue = require(`${kafkajsDir}${REQUEST_QUEUE}`) as new (options: Record<string, unknown>) => RequestQueueLike;
const silentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A connection's request queue with requests that record when they reach the socket. */
function requestQueue(maxInFlightRequests: number) {
  const queue = new RequestQueue({ maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: 'localhost:9092', logger: silentLogger });
  const sent: number[] = [];
  const push = (correlationId: number) => queue.push({
    entry: { correlationId, apiKey: 1, apiName: 'Fetch', apiVersion: 11, resolve: () => undefined, reject: () => undefined },
    expectResponse: true,
    sendRequest: () => void sent.push(correlationId),
  });
  const fulfil = (correlationId: number) => queue.fulfillRequest({ correlationId, payload: Buffer.alloc(0), size: 0 });
  return { queue, sent, push, fulfil };
}

describe('the kafkajs patch', () => {
  it('is applied to the installed kafkajs (postinstall ran)', () => {
    for (const file of [REQUEST_QUEUE, 'src/producer/groupMessagesPerPartition.js', 'src/protocol/recordBatch/record/v0/index.js', 'src/producer/partitioners/default/murmur2.js', PRODUCE_REQUEST]) {
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

  it('hashes keys as Kafka does: its own murmur2 test vectors', () => {
    // org.apache.kafka.common.utils.UtilsTest#testMurmur2: the Java client's partitions
    const cases: [string, number][] = [
      ['21', -973932308], ['foobar', -790332482], ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829], ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971], ['abc', 479470107],
    ];
    for (const [key, hash] of cases) expect(murmur2(key), key).toBe(hash);
  });

  it('hashes any key to the same value as the 64-bit arithmetic it replaced', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a)), fc.string({ unit: 'grapheme', maxLength: 40 }).map((t) => Buffer.from(t))), (key) => {
      expect(murmur2(key)).toBe(murmur2In64Bits(key));
      expect(murmur2(key.toString('latin1'))).toBe(murmur2In64Bits(Buffer.from(key.toString('latin1'))));
    }), { numRuns: 2_000 });
  });

  it('encodes a produce request to the same bytes as the unpatched request (timestamps as the relay and the bench set them)', async () => {
    // the unpatched request, rebuilt beside the patched one (its requires are relative)
    const patched = readFileSync(`${kafkajsDir}${PRODUCE_REQUEST}`, 'utf8');
    const start = patched.indexOf('  // bondstream patch');
    const end = patched.indexOf('  const recordBatch = await RecordBatch(');
    expect(start).toBeGreaterThan(0);
    const unpatchedFile = `${kafkajsDir}${PRODUCE_REQUEST.replace(/request\.js$/, 'request.unpatched-test.js')}`;
    writeFileSync(unpatchedFile, patched.slice(0, start) + UNPATCHED_TIMESTAMPS_AND_RECORDS + '\n' + patched.slice(end));
    try {
      const unpatched = require(unpatchedFile) as ProduceRequest;
      const produce = require(`${kafkajsDir}${PRODUCE_REQUEST}`) as ProduceRequest;
      const message = fc.record({
        key: fc.string({ maxLength: 20 }),
        value: fc.string({ maxLength: 200 }),
        // epoch milliseconds, as numbers or strings, or none (kafkajs then uses the time of the send)
        timestamp: fc.option(fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }).chain((ms) => fc.constantFrom(ms, String(ms))), { nil: undefined }),
      }, { requiredKeys: ['key', 'value'] });
      await fc.assert(fc.asyncProperty(fc.array(fc.array(message, { minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 4 }), async (partitions) => {
        // every message timestamped: the time of the send would differ between the two encodes
        const timed = partitions.map((messages) => messages.map((m, i) => ({ ...m, timestamp: m.timestamp ?? 1_700_000_000_000 + i })));
        const topicData = [{ topic: 't', partitions: timed.map((messages, partition) => ({ partition, messages })) }];
        const [a, b] = await Promise.all([produce, unpatched].map((request) => request({ acks: -1, timeout: 30_000, topicData }).encode()));
        expect(a!.buffer.equals(b!.buffer)).toBe(true);
      }), { numRuns: 200 });
    } finally {
      rmSync(unpatchedFile, { force: true });
    }
  });

  it('leaves no timer behind once nothing is pending (unpatched: a 1 ms loop per connection, for ever)', async () => {
    const { queue, sent, push, fulfil } = requestQueue(1);
    try {
      push(1);
      push(2); // over maxInFlightRequests: waits in pending, with a timer to look again
      expect(sent).toEqual([1]);
      expect(queue.throttleCheckTimeoutId).not.toBeNull();
      fulfil(1); // room again: the pending request goes out
      expect(sent).toEqual([1, 2]);
      fulfil(2);
      expect(queue.pending).toHaveLength(0);
      // the timer set while request 2 waited fires once and sets no other (unpatched, each
      // firing sets the next at once: it is never seen unset)
      const deadline = Date.now() + 5_000;
      while (queue.throttleCheckTimeoutId !== null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(queue.throttleCheckTimeoutId).toBeNull();
    } finally {
      queue.destroy();
    }
  });

  it('still sends a request that waited out a client-side throttle', async () => {
    const { queue, sent, push } = requestQueue(10);
    try {
      queue.maybeThrottle(30);
      push(7);
      expect(sent).toEqual([]);
      const deadline = Date.now() + 5_000;
      while (sent.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(sent).toEqual([7]);
    } finally {
      queue.destroy();
    }
  });
});
