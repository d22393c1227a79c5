import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { Counter, Registry } from 'prom-client';
import { pino } from 'pino';
import { OutboxRelay, type OutboxRelayOptions } from '@bondstream/kafka-runner';
import { KeySpace, OutboxStore } from '@bondstream/redis-state';
import { startRedisWithClient, waitFor, type RedisWithClient } from '@bondstream/testkit';

/**
 * Which shards a relay cycle reads (real Redis outbox). The producer is a stand-in that records
 * what it is asked to send: the relay's way to Kafka is covered end to end in test/.
 */
/** A relay on a real outbox with a stand-in producer; its metrics in `registry` ('p', 'e'). */
function relayOn(source: OutboxStore, producer: Producer, registry: Registry, options: Partial<OutboxRelayOptions>): OutboxRelay {
  return new OutboxRelay({
    source,
    producer,
    topic: 'changes',
    encode: async (stored) => stored.map((value) => ({ key: 'k', value })),
    logger: pino({ level: 'silent' }),
    metrics: {
      published: new Counter({ name: 'p', help: 'p', registers: [registry] }),
      errors: new Counter({ name: 'e', help: 'e', labelNames: ['stage'], registers: [registry] }),
    },
    ...options,
  });
}

describe('the outbox relay reads the shards it was told of, and all of them on a sweep', () => {
  let local: RedisWithClient;
  beforeAll(async () => {
    local = await startRedisWithClient();
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('publishes a woken shard at once and another process\'s write at the next sweep', async () => {
    const keyspace = new KeySpace('relay-reads', 16);
    const sent: string[] = [];
    const producer = { send: async ({ messages }: { messages: { value: Buffer }[] }) => void sent.push(...messages.map((m) => m.value.toString())) } as unknown as Producer;
    const relay = relayOn(new OutboxStore(local.redis, keyspace, 'relay-1', 60_000), producer, new Registry(), { sweepMs: 3_600_000 });
    const write = (shard: number, body: string) => local.redis.xadd(keyspace.outbox(shard), '*', 'e', body);
    expect(await relay.publishOnce()).toBe(0); // the first cycle sweeps every held shard: nothing yet
    await write(2, 'ours');
    await write(5, 'theirs'); // written by another process: nobody wakes this relay for shard 5
    relay.wake([2]);
    expect(await relay.publishOnce()).toBe(1);
    expect(sent).toEqual(['ours']);
    expect(await relay.publishOnce()).toBe(0); // idle shards cost no read until the sweep
    relay.wake(); // no shards named: read every held shard
    expect(await relay.publishOnce()).toBe(1);
    expect(sent).toEqual(['ours', 'theirs']);
    await relay.stop();
    expect(await local.redis.xlen(keyspace.outbox(2)) + await local.redis.xlen(keyspace.outbox(5))).toBe(0);
  });

  it('fast path: publishes handed-over entries at once and deletes them; the sweep leaves young entries, drain takes all', async () => {
    const keyspace = new KeySpace('relay-fast', 16);
    const sent: string[] = [];
    let failNext = false;
    const producer = {
      send: async ({ messages }: { messages: { value: Buffer }[] }) => {
        if (failNext) {
          failNext = false;
          throw new Error('broker away');
        }
        sent.push(...messages.map((m) => m.value.toString()));
      },
    } as unknown as Producer;
    const registry = new Registry();
    const acked: string[] = [];
    const store = new OutboxStore(local.redis, keyspace, 'relay-1', 60_000);
    const relay = relayOn(store, producer, registry, {
      graceMs: 60_000,
      onFastPublished: (entries) => acked.push(...entries.map((e) => e.id)),
    });
    // as the atomic step writes them: one entry per call with a field per change, and their count
    const write = async (shard: number, bodies: string[]) => {
      const id = await local.redis.xadd(keyspace.outbox(shard), '*', ...bodies.flatMap((b) => ['e', b])) as string;
      await local.redis.incrby(keyspace.outboxPending(shard), bodies.length);
      return { shard, id, events: bodies.map((b) => Buffer.from(b)) };
    };
    const mine = await write(2, ['a', 'b']);
    const other = await write(5, ['c']); // another process is publishing this one itself
    expect(await relay.publishOnce()).toBe(0); // the sweep: both are younger than the grace
    relay.publishWritten([mine]);
    await waitFor('the fast path to publish and delete', async () => (await local.redis.xlen(keyspace.outbox(2))) === 0 ? true : undefined, { timeoutMs: 5_000, intervalMs: 10 });
    expect(sent).toEqual(['a', 'b']);
    expect(acked).toEqual([mine.id]);
    expect(await store.backlog()).toBe(1);

    // a failed send leaves the entry to the sweep (here: the drain, which ignores the grace)
    failNext = true;
    const failed = await write(7, ['d']);
    relay.publishWritten([failed]);
    await waitFor('the failed send to be counted', async () => ((await registry.getSingleMetric('e')!.get()).values[0]?.value === 1 ? true : undefined), { timeoutMs: 5_000, intervalMs: 10 });
    expect(await local.redis.xlen(keyspace.outbox(7))).toBe(1);
    await relay.drain();
    expect(sent.slice(2).sort()).toEqual(['c', 'd']);
    expect(await store.backlog()).toBe(0);
    await relay.stop();
    expect(other.id).toMatch(/-/);
  });

  it('fast path: deletes what was acknowledged meanwhile in one call per interval, and at once on stop', async () => {
    const keyspace = new KeySpace('relay-deletes', 16);
    const producer = { send: async () => undefined } as unknown as Producer;
    const store = new OutboxStore(local.redis, keyspace, 'relay-1', 60_000);
    const deleteCalls: number[] = [];
    const deletePublished = store.deletePublished.bind(store);
    store.deletePublished = async (entries) => {
      deleteCalls.push(entries.length);
      await deletePublished(entries);
    };
    const acked: string[] = [];
    const relay = relayOn(store, producer, new Registry(), {
      graceMs: 60_000, deleteIntervalMs: 60_000, onFastPublished: (entries) => acked.push(...entries.map((e) => e.id)),
    });
    const write = async (shard: number, body: string) => {
      const id = await local.redis.xadd(keyspace.outbox(shard), '*', 'e', body) as string;
      await local.redis.incrby(keyspace.outboxPending(shard), 1);
      return { shard, id, events: [Buffer.from(body)] };
    };
    const first = await write(1, 'a');
    relay.publishWritten([first]);
    await waitFor('the first delete', async () => (await local.redis.xlen(keyspace.outbox(1))) === 0 ? true : undefined, { timeoutMs: 5_000, intervalMs: 10 });
    // within the interval: published, acknowledged, and their deletes wait to go together
    const later = [await write(2, 'b'), await write(3, 'c')];
    relay.publishWritten([later[0]!]);
    relay.publishWritten([later[1]!]);
    await waitFor('both to be acknowledged', () => (acked.length === 3 ? true : undefined), { timeoutMs: 5_000, intervalMs: 10 });
    expect(await local.redis.xlen(keyspace.outbox(2)) + await local.redis.xlen(keyspace.outbox(3))).toBe(2);
    expect(deleteCalls).toEqual([1]);
    // stop does not wait out the interval
    const stopping = performance.now();
    await relay.stop();
    expect(performance.now() - stopping).toBeLessThan(30_000);
    expect(deleteCalls).toEqual([1, 2]);
    expect(await store.backlog()).toBe(0);
  });
});
