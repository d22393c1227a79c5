import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { EachBatchPayload, Kafka } from 'kafkajs';
import { waitFor } from '@bondstream/testkit';
import { BatchConsumer, createConsumerMetrics, DeadLetterPublisher, type BatchConsumerOptions, type SourceBatch } from '../src/index.js';

type Offsets = { topic: string; partition: number; offset: string }[];

/** A message as the handler sees it: where it came from. */
interface Item {
  partition: number;
  offset: string;
}

/**
 * A kafkajs consumer stand-in that hands batches to eachBatch and records offset commits, and a
 * handler whose applies wait until the test releases them.
 */
function harness(options: Partial<BatchConsumerOptions<Item>> = {}) {
  const commits: Offsets[] = [];
  const applies: { items: Item[]; sources: readonly SourceBatch<Item>[]; release: () => void }[] = [];
  const resolved: string[] = [];
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | null = null;
  const kafkaConsumer = {
    events: { GROUP_JOIN: 'join', CRASH: 'crash' },
    on: () => undefined,
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (config: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
      eachBatch = config.eachBatch;
    },
    stop: async () => undefined,
    disconnect: async () => undefined,
    pause: () => undefined,
    resume: () => undefined,
    commitOffsets: async (offsets: Offsets) => {
      commits.push(offsets);
    },
  };
  const consumer = new BatchConsumer<Item>({
    kafka: { consumer: () => kafkaConsumer } as unknown as Kafka,
    groupId: 'g',
    topics: ['t'],
    handler: {
      classify: async (messages) => ({ accepted: messages.map((m) => ({ partition: m.partition, offset: m.offset })), deadLetters: [] }),
      apply: (items, _heartbeat, sources) => new Promise((resolve) => {
        applies.push({ items, sources, release: () => resolve({ applied: items.length, duplicates: 0 }) });
      }),
    },
    deadLetters: new DeadLetterPublisher(null as never, 'dlq'),
    logger: pino({ level: 'silent' }),
    metrics: createConsumerMetrics(new Registry()),
    ...options,
  });
  /** Hands kafkajs' batch of `offsets` on `partition` to the consumer; resolves when eachBatch returns. */
  const batch = (partition: number, offsets: number[], isStale = () => false, highWatermark = (offsets.at(-1) ?? -1) + 1) => (eachBatch as (payload: EachBatchPayload) => Promise<void>)({
    batch: {
      topic: 't', partition, messages: offsets.map((o) => ({ offset: String(o), key: null, value: Buffer.from('{}'), headers: {} })),
      // kafkajs: the partition's high watermark - 1 - the batch's last offset
      offsetLag: () => String(highWatermark - 1 - (offsets.at(-1) ?? -1)),
    },
    heartbeat: async () => undefined,
    isRunning: () => true,
    isStale,
    resolveOffset: (offset: string) => void resolved.push(`${partition}:${offset}`),
  } as unknown as EachBatchPayload);
  const items = (...pairs: [number, number][]) => pairs.map(([partition, offset]) => ({ partition, offset: String(offset) }));
  const committed = () => {
    const newest = new Map<number, string>();
    for (const c of commits) for (const { partition, offset } of c) newest.set(partition, offset);
    return Object.fromEntries(newest);
  };
  return { consumer, commits, applies, resolved, batch, items, committed };
}

let running: ReturnType<typeof harness> | null = null;
afterEach(async () => {
  // Applies still held would keep stop() waiting.
  const stopped = running?.consumer.stop();
  for (const apply of running?.applies ?? []) apply.release();
  await stopped;
  running = null;
});

describe('BatchConsumer', () => {
  it('tells the apply which partitions its batches came from and whether a backlog was left behind them', async () => {
    const h = harness({ commitIntervalMs: 0 });
    running = h;
    await h.consumer.start();
    await h.batch(2, [5, 6], undefined, 100); // 93 more records wait on partition 2
    await waitFor('the apply', () => (h.applies.length === 1 ? true : undefined), { intervalMs: 1 });
    expect(h.applies[0]?.sources).toEqual([expect.objectContaining({ topic: 't', partition: 2, behind: true, accepted: h.items([2, 5], [2, 6]) })]);
  });

  it('fetches on while a batch is applied, then applies the batches that waited together, in order', async () => {
    const h = harness({ commitIntervalMs: 0 });
    running = h;
    await h.consumer.start();
    await h.batch(0, [0, 1]);
    await waitFor('the first apply', () => (h.applies.length === 1 ? true : undefined), { intervalMs: 1 });
    // eachBatch returned before the apply finished: kafkajs goes on fetching.
    await h.batch(1, [0]);
    await h.batch(0, [2, 3]);
    await h.batch(0, [4]);
    expect(h.resolved).toEqual(['0:1', '1:0', '0:3', '0:4']);
    expect(h.applies).toHaveLength(1);
    expect(h.commits).toEqual([]); // nothing is durable yet

    h.applies[0]?.release();
    await waitFor('the second apply', () => (h.applies.length === 2 ? true : undefined), { intervalMs: 1 });
    // One apply for the three batches that waited; each partition's messages in fetch order.
    expect(h.applies[1]?.items).toEqual(h.items([1, 0], [0, 2], [0, 3], [0, 4]));
    // where they came from, for the event-time watermark: each source batch, in order
    expect(h.applies[1]?.sources.map((s) => [s.partition, s.accepted.length, s.behind])).toEqual([[1, 1, false], [0, 2, false], [0, 1, false]]);
    await waitFor('the first commit', () => (h.committed()[0] === '2' ? true : undefined), { intervalMs: 1 });
    expect(h.committed()[1]).toBeUndefined();

    h.applies[1]?.release();
    await waitFor('the second commit', () => (h.committed()[0] === '5' && h.committed()[1] === '1' ? true : undefined), { intervalMs: 1 });
  });

  it('applies a batch larger than mergeBatchesUpTo alone, and fetches no further than that ahead', async () => {
    const h = harness({ commitIntervalMs: 0, mergeBatchesUpTo: 3 });
    running = h;
    await h.consumer.start();
    await h.batch(0, [0]);
    await waitFor('the first apply', () => (h.applies.length === 1 ? true : undefined), { intervalMs: 1 });
    await h.batch(0, [1, 2, 3, 4, 5]); // larger than the limit: queued alone
    let returned = false;
    const waiting = h.batch(0, [6]).then(() => {
      returned = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(returned).toBe(false); // the queue is full: kafkajs is held (no further fetch)
    expect(h.resolved).toEqual(['0:0', '0:5']);

    h.applies[0]?.release();
    await waiting;
    await waitFor('the big batch applied', () => (h.applies.length >= 2 ? true : undefined), { intervalMs: 1 });
    expect(h.applies[1]?.items).toEqual(h.items([0, 1], [0, 2], [0, 3], [0, 4], [0, 5]));
    h.applies[1]?.release();
    await waitFor('the last batch applied', () => (h.applies.length === 3 ? true : undefined), { intervalMs: 1 });
    expect(h.applies[2]?.items).toEqual(h.items([0, 6]));
    h.applies[2]?.release();
    await waitFor('all committed', () => (h.committed()[0] === '7' ? true : undefined), { intervalMs: 1 });
  });

  it('applies the batches of different partitions concurrently when they do not wait', async () => {
    const h = harness({ commitIntervalMs: 0, mergeBatchesUpTo: 3 });
    running = h;
    await h.consumer.start();
    await h.batch(0, [0]);
    await waitFor('the first apply', () => (h.applies.length === 1 ? true : undefined), { intervalMs: 1 });
    await h.batch(1, [0, 1, 2, 3]);
    await waitFor('a second apply, concurrent', () => (h.applies.length === 2 ? true : undefined), { intervalMs: 1 });
    h.applies[1]?.release();
    await waitFor('partition 1 committed first', () => (h.committed()[1] === '4' ? true : undefined), { intervalMs: 1 });
    expect(h.committed()[0]).toBeUndefined();
  });

  it('runs one apply at a time at the live edge, and overlaps applies once a batch left a backlog behind it', async () => {
    const h = harness({ commitIntervalMs: 0 });
    running = h;
    await h.consumer.start();
    await h.batch(0, [0]);
    await waitFor('the first apply', () => (h.applies.length === 1 ? true : undefined), { intervalMs: 1 });
    await h.batch(1, [0]);
    await h.batch(2, [0]);
    // applies are started from setImmediate: two turns are enough for one to have started
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(h.applies).toHaveLength(1);

    await h.batch(3, [5], undefined, 100); // 94 more records wait on partition 3
    await waitFor('a second apply beside the first', () => (h.applies.length === 2 ? true : undefined), { intervalMs: 1 });
    expect(h.applies[1]?.items).toEqual(h.items([1, 0], [2, 0], [3, 5]));
    h.applies[1]?.release();
    await waitFor('the second apply committed first', () => (h.committed()[3] === '6' ? true : undefined), { intervalMs: 1 });
    expect(h.committed()[0]).toBeUndefined();
  });

  it('sends at most one offset commit per commitIntervalMs, with the newest offset of each partition', async () => {
    const h = harness({ commitIntervalMs: 200 });
    running = h;
    await h.consumer.start();
    await h.batch(0, [0]);
    await waitFor('an apply', () => (h.applies.length === 1 ? true : undefined), { intervalMs: 1 });
    h.applies[0]?.release();
    await waitFor('the first commit', () => (h.commits.length === 1 ? true : undefined), { intervalMs: 1 });
    for (let i = 1; i <= 3; i++) {
      await h.batch(i % 2, [i]);
      await waitFor(`apply ${i + 1}`, () => (h.applies.length === i + 1 ? true : undefined), { intervalMs: 1 });
      h.applies[i]?.release();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.commits).toHaveLength(1); // the others wait for the interval
    await waitFor('the second commit', () => (h.commits.length === 2 ? true : undefined), { intervalMs: 5 });
    expect([...(h.commits[1] as Offsets)].sort((a, b) => a.partition - b.partition)).toEqual([
      { topic: 't', partition: 0, offset: '3' }, { topic: 't', partition: 1, offset: '4' },
    ]);
  });

  it('leaves out of the apply, and does not commit, a batch that went stale while it waited', async () => {
    const h = harness({ commitIntervalMs: 0 });
    running = h;
    await h.consumer.start();
    await h.batch(0, [0]);
    await waitFor('the first apply', () => (h.applies.length === 1 ? true : undefined), { intervalMs: 1 });
    let stale = false;
    await h.batch(1, [0], () => stale);
    await h.batch(2, [0]);
    stale = true; // e.g. a seek: kafkajs reads it again from elsewhere
    h.applies[0]?.release();
    await waitFor('the second apply', () => (h.applies.length === 2 ? true : undefined), { intervalMs: 1 });
    expect(h.applies[1]?.items).toEqual(h.items([2, 0]));
    h.applies[1]?.release();
    await waitFor('partition 2 committed', () => (h.committed()[2] === '1' ? true : undefined), { intervalMs: 1 });
    expect(h.committed()[1]).toBeUndefined();
  });

  it('on stop finishes and commits the apply in progress and drops the batches still waiting', async () => {
    const h = harness({ commitIntervalMs: 10_000 });
    await h.consumer.start();
    await h.batch(1, [0]);
    await waitFor('an apply', () => (h.applies.length === 1 ? true : undefined), { intervalMs: 1 });
    h.applies[0]?.release();
    await waitFor('a commit', () => (h.commits.length === 1 ? true : undefined), { intervalMs: 1 });
    h.applies.length = 0; // the next commit now waits for the interval
    await h.batch(0, [0, 1]);
    await waitFor('the first apply', () => (h.applies.length === 1 ? true : undefined), { intervalMs: 1 });
    await h.batch(0, [2]);
    const stopped = h.consumer.stop();
    h.applies[0]?.release();
    await stopped; // does not wait for the commit interval
    expect(h.applies).toHaveLength(1); // [2] was dropped: the next consumer reads it
    expect(h.commits.at(-1)).toEqual([{ topic: 't', partition: 0, offset: '2' }]);
  });
});
