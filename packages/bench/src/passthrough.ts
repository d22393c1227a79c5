/**
 * `npm run bench -- --only latency-floor`: what the latency phase measures when, in place of
 * the scorer, a process only consumes with kafkajs, produces CHANGES_PER_EVENT segment-change
 * sized messages per event in one request per batch, and commits (no Redis, no scoring, no
 * relay thread). Its latency and CPU per event are the floor that the Kafka client, the mock
 * broker, the bench's producer and the kcat collector leave the scorer on this machine
 * (docs/performance.md). Consumer and producer settings are the scorer's (kafka-runner's
 * BatchConsumer and connectProducer, with the mock's non-idempotent producer); like the scorer
 * it answers /readyz once it joined its group. Run by the bench as a process of its own.
 */
import { createServer } from 'node:http';
import { Kafka, logLevel, Partitioners, type EachBatchPayload } from 'kafkajs';
import { DEFAULT_TOPICS as TOPICS } from '@bondstream/contracts';

/** About what the scorer publishes per new customer in the latency phase (3.4 changes an event on 2026-12-03). */
export const CHANGES_PER_EVENT = 3;

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
};

/** A change of the size and shape the relay publishes (scores included), caused by `eventId`. */
function change(customerId: string, eventId: string, occurredAt: string, emittedAt: string, dimension: number): string {
  return JSON.stringify({
    eventId: `${eventId}-${dimension}`, tenantId: 'latency', customerId, dimension: `d${dimension}`, from: null, to: 'new',
    occurredAt, emittedAt, cause: { kind: 'event', eventId },
    scores: { recencyDays: 0, frequency: 1, monetary: 25, profit: 7.5, r: 5, f: 1, m: 1, loyalty: 0.1, pAlive: 1, clv: null },
    stateVersion: 1,
  });
}

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
      const messages = batch.messages.flatMap((message) => {
        const event = JSON.parse(message.value?.toString('utf8') ?? '{}') as { eventId: string; customerId: string; occurredAt: string };
        return Array.from({ length: CHANGES_PER_EVENT }, (_, d) => ({
          key: event.customerId, value: change(event.customerId, event.eventId, event.occurredAt, emittedAt, d),
        }));
      });
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
