import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { startMockKafka, startRedis, waitFor, type LocalRedis, type MockKafka } from '@bondstream/testkit';

describe('local infrastructure', () => {
  let kafka: MockKafka;
  let redis: LocalRedis;
  beforeAll(async () => {
    [kafka, redis] = await Promise.all([startMockKafka({ topics: ['probe:2', 'sets:1', 'wake:1', 'cap:1'] }), startRedis()]);
  });
  afterAll(async () => {
    await Promise.all([kafka?.stop(), redis?.stop()]);
  });

  it('redis-server answers on its own port', async () => {
    const client = new Redis(redis.url);
    await client.set('k', 'v');
    expect(await client.get('k')).toBe('v');
    client.disconnect();
  });

  it('the mock broker speaks Kafka to kafkajs: produce, group consume, commit', async () => {
    const client = new Kafka({ brokers: [kafka.brokers], clientId: 'probe', logLevel: logLevel.NOTHING });
    const producer = client.producer({ idempotent: false, allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: 'probe', acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    const consumer = client.consumer({ groupId: 'probe-group' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'probe', fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) seen.push(String(m.value));
        const last = batch.messages.at(-1);
        if (last) await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(Number(last.offset) + 1) }]);
      },
    });
    await waitFor('20 messages', () => (seen.length >= 20 ? true : undefined));
    expect(new Set(seen).size).toBe(20);
    const admin = client.admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId: 'probe-group', topics: ['probe'] });
    const committed = offsets[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(committed).toBe(20);
    await Promise.all([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
  });

  // The mock is built from Debian's librdkafka source with tools/mock-kafka's patch: these pin
  // what the patch changes, each of which the unpatched mock fails.
  describe('the patched mock behaves like a broker', () => {
    const client = () => new Kafka({ brokers: [kafka.brokers], clientId: 'patch-probe', logLevel: logLevel.NOTHING });

    it('a fetch returns every produced set that fits, not one', async () => {
      const producer = client().producer({ idempotent: false, allowAutoTopicCreation: false });
      await producer.connect();
      for (let i = 0; i < 5; i++) await producer.send({ topic: 'sets', acks: -1, messages: [{ key: 'k', value: `set-${i}` }] });
      const consumer = client().consumer({ groupId: 'sets-group' });
      await consumer.connect();
      await consumer.subscribe({ topic: 'sets', fromBeginning: true });
      const batches: string[][] = [];
      await consumer.run({ eachBatch: async ({ batch }) => void batches.push(batch.messages.map((m) => String(m.value))) });
      await waitFor('5 messages', () => (batches.flat().length >= 5 ? true : undefined));
      expect(batches[0]).toEqual(['set-0', 'set-1', 'set-2', 'set-3', 'set-4']);
      await Promise.all([consumer.disconnect(), producer.disconnect()]);
    });

    it('a fetch waiting for data is answered when data arrives, not after its whole wait', async () => {
      const producer = client().producer({ idempotent: false, allowAutoTopicCreation: false });
      await producer.connect();
      await producer.send({ topic: 'wake', acks: -1, messages: [{ key: 'k', value: 'first' }] });
      // An 8 s wait: unpatched, the second message would arrive up to 8 s after it was sent.
      const consumer = client().consumer({ groupId: 'wake-group', maxWaitTimeInMs: 8_000 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'wake', fromBeginning: true });
      const seen: string[] = [];
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
      await waitFor('the first message', () => (seen.length >= 1 ? true : undefined));
      await producer.send({ topic: 'wake', acks: -1, messages: [{ key: 'k', value: 'second' }] });
      await waitFor('the second message, well before the fetch wait', () => (seen.length >= 2 ? true : undefined), { timeoutMs: 2_000 });
      expect(seen).toEqual(['first', 'second']);
      await Promise.all([consumer.disconnect(), producer.disconnect()]);
    });

    it('a partition keeps more than upstream\'s 5 MiB', async () => {
      const producer = client().producer({ idempotent: false, allowAutoTopicCreation: false });
      await producer.connect();
      const value = 'x'.repeat(100_000);
      for (let i = 0; i < 8; i++) {
        await producer.send({ topic: 'cap', acks: -1, messages: Array.from({ length: 10 }, () => ({ key: 'k', value })) });
      }
      const admin = client().admin();
      await admin.connect();
      const [offsets] = await admin.fetchTopicOffsets('cap');
      expect({ low: offsets?.low, high: offsets?.high }).toEqual({ low: '0', high: '80' });
      await Promise.all([admin.disconnect(), producer.disconnect()]);
    });
  });
});
