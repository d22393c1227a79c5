/**
 * The outbox relay of the scorer, in a worker thread of its own: publishing is about as much
 * work per segment change as scoring is per event (kafkajs encodes every message), so on its
 * own thread it uses the second core instead of taking turns with the consumer. It has its own
 * Redis connection and producer; the main thread wakes it after each write and it reports what
 * it published. Nothing is lost if it dies: the outbox keeps every change until it is acked.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Counter, Registry } from 'prom-client';
import { createSchemaRegistryClient, OutputEncoder } from '@bondstream/contracts';
import { connectProducer, createKafka, OutboxRelay, type WrittenEntry } from '@bondstream/kafka-runner';
import { createLogger } from '@bondstream/observability';
import { closeRedis, openServiceRedis, openStateLayout, OutboxStore, type OutboxEntryWritten } from '@bondstream/redis-state';
import { segmentChangeMessages } from './relay-encode.js';
import type { RelayReport, RelayThreadData } from './relay-host.js';

const { config, leaseToken } = workerData as RelayThreadData;
const port = parentPort;
if (port === null) throw new Error('relay-thread runs as a worker thread');

const logger = createLogger('scorer', config.logLevel).child({ thread: 'relay' });
const redis = openServiceRedis(config, 'bondstream-scorer-relay', logger);
// The main thread has checked (or recorded) the namespace's layout before starting this thread.
const keyspace = await openStateLayout(redis, config.redisNamespace, config.redisStateShards);
const registry = config.schemaRegistryUrl ? await createSchemaRegistryClient(config.schemaRegistryUrl) : undefined;
const kafka = createKafka(config.kafka, logger);
const producer = await connectProducer(kafka, config.kafka.idempotent);

// Counted here, added to the main thread's metrics (prom-client registries are per thread).
const local = new Registry();
const published = new Counter({ name: 'relay_published', help: 'published', registers: [local] });
const errors = new Counter({ name: 'relay_errors', help: 'errors', labelNames: ['stage'] as const, registers: [local] });
let reported = { published: 0, errors: 0 };
/** fast path latencies since the last report (observed into the main thread's histogram) */
let latencies: number[] = [];
const report = async (): Promise<void> => {
  const now = {
    published: (await published.get()).values.reduce((n, v) => n + v.value, 0),
    errors: (await errors.get()).values.reduce((n, v) => n + v.value, 0),
  };
  const delta: RelayReport = { published: now.published - reported.published, errors: now.errors - reported.errors };
  reported = now;
  if (latencies.length > 0) {
    delta.publishedLatencySeconds = latencies;
    latencies = [];
  }
  if (delta.published > 0 || delta.errors > 0 || delta.publishedLatencySeconds) port.postMessage(delta);
};
const reporting = setInterval(() => void report(), 200);

const relay = new OutboxRelay({
  source: new OutboxStore(redis, keyspace, leaseToken, 6_000),
  producer,
  topic: config.topics.segmentChanges,
  encode: segmentChangeMessages(registry, new OutputEncoder({ registry, topics: config.topics })),
  logger,
  metrics: { published, errors },
  leaseRefreshMs: 2_000,
  lingerMs: config.relayLingerMs,
  graceMs: config.relayGraceMs,
  onFastPublished: (entries) => {
    const ackedAt = Date.now();
    for (const entry of entries as readonly FastEntry[]) for (const t of entry.sourceProducedAtMs) latencies.push((ackedAt - t) / 1000);
  },
});
relay.start();

/** An entry of the fast path, with when its writes' input records entered Kafka. */
interface FastEntry extends WrittenEntry {
  sourceProducedAtMs: number[];
}

port.on('message', (message: { wake: number[] } | { written: OutboxEntryWritten[] } | 'stop') => {
  if (message !== 'stop') {
    if ('wake' in message) relay.wake(message.wake);
    else {
      relay.publishWritten(message.written.map((e): FastEntry => ({
        shard: e.shard, id: e.id, events: e.events.map((event) => Buffer.from(event)), sourceProducedAtMs: e.sourceProducedAtMs,
      })));
    }
    return;
  }
  void (async () => {
    await relay.drain().catch((error: unknown) => logger.warn({ err: error }, 'outbox not drained; the next start publishes it'));
    await relay.stop();
    clearInterval(reporting);
    await report();
    await producer.disconnect();
    await closeRedis(redis);
    port.postMessage({ stopped: true });
    port.close();
  })();
});
port.postMessage({ ready: true });
