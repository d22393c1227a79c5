/**
 * `npm run bench -- --only latency-floor`: what the latency phase measures when, in place of
 * the scorer, a process only consumes with kafkajs, produces a segment change per dimension for
 * each event (passthrough-message.ts) in one request per batch, and commits (no Redis, no
 * scoring, no relay thread). Its latency and CPU per event are the floor that the Kafka client,
 * the mock broker, the bench's producer and the kcat collector leave the scorer on this machine
 * (docs/performance.md). Consumer and producer settings are the scorer's (kafka-runner's
 * BatchConsumer and connectProducer, with the mock's non-idempotent producer); like the scorer
 * it answers /readyz once it joined its group. Run by the bench as a process of its own.
 */
import { createServer } from 'node:http';
import { Kafka, logLevel, Partitioners, type EachBatchPayload } from 'kafkajs';
import { DEFAULT_TOPICS as TOPICS } from '@bondstream/contracts';
import { passThroughChanges } from './passthrough-message.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
};

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'bench-passthrough', brokers: env('KAFKA_BROKERS').split(','), logLevel: logLevel.WARN });
  const producer = kafka.producer({ idempotent: false, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const consumer = kafka.consumer({
    groupId: env('KAFKA_GROUP_ID'), sessionTimeout: 30_000, heartbeatInterval: 1_000, allowAutoTopicCreation: false,
    maxWaitTimeInMs: Number(process.env.KAFKA_FETCH_MAX_WAIT_MS ?? 100),
  });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPICS.orders, TOPICS.interactions] });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset }: EachBatchPayload) => {
      const emittedAt = new Date().toISOString();
      const messages = batch.messages.flatMap((message) => passThroughChanges(message.value, emittedAt));
      if (messages.length > 0) await producer.send({ topic: TOPICS.segmentChanges, acks: -1, messages });
      const last = batch.messages.at(-1);
      if (last === undefined) return;
      resolveOffset(last.offset);
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) }]);
    },
  });
  createServer((request, response) => {
    // /metrics answers empty: the bench then leaves out the scorer's own stages and counters.
    response.statusCode = request.url === '/readyz' && !joined ? 503 : 200;
    response.end();
  }).listen(Number(env('HTTP_PORT')), '127.0.0.1');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench pass-through: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
