import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { Counter, Registry } from 'prom-client';
import { pino } from 'pino';
import { OutboxRelay } from '@bondstream/kafka-runner';
import { KeySpace, OutboxStore } from '@bondstream/redis-state';
import { startRedisWithClient, type RedisWithClient } from '@bondstream/testkit';

/**
 * Which shards a relay cycle reads (real Redis outbox). The producer is a stand-in that records
 * what it is asked to send: the relay's way to Kafka is covered end to end in test/.
 */
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
    const registry = new Registry();
    const relay = new OutboxRelay({
      source: new OutboxStore(local.redis, keyspace, 'relay-1', 60_000),
      producer,
      topic: 'changes',
      encode: async (stored) => stored.map((value) => ({ key: 'k', value })),
      logger: pino({ level: 'silent' }),
      metrics: {
        published: new Counter({ name: 'p', help: 'p', registers: [registry] }),
        errors: new Counter({ name: 'e', help: 'e', labelNames: ['stage'], registers: [registry] }),
      },
      sweepMs: 3_600_000,
    });
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
});
