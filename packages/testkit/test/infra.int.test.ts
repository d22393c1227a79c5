import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { startMockKafka, startRedis, waitFor, type LocalRedis, type MockKafka } from '@bondstream/testkit';

describe('local infrastructure', () => {
  let kafka: MockKafka;
  let redis: LocalRedis;
  beforeAll(async () => {
    [kafka, redis] = await Promise.all([startMockKafka({ topics: ['probe:2'] }), startRedis()]);
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
});
