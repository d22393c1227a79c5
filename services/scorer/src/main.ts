import { randomUUID } from 'node:crypto';
import { loadConfigOrExit, loadPolicy, loadServiceConfig } from '@bondstream/config';
import { createSchemaRegistryClient, InputDecoder } from '@bondstream/contracts';
import { BatchConsumer, connectProducer, createKafka, DeadLetterPublisher, OutboxBackPressure } from '@bondstream/kafka-runner';
import { createLogger, createMetricsRegistry, exitOnSignals, startHttpServer } from '@bondstream/observability';
import { closeRedis, openKeySpaceOrExit, openServiceRedis, OutboxStore, redisReady, redisReporting } from '@bondstream/redis-state';
import { applyBatch } from './apply-batch.js';
import { DueClock } from './due-clock.js';
import type { ScoringContext } from './plan.js';
import { reevaluateCustomers } from './reevaluate.js';
import { RelayHost } from './relay-host.js';
import { classifyMessages, type AcceptedEvent } from './classify.js';
import { EvaluationClock } from './clock.js';
import { createScorerMetrics } from './metrics.js';
import { ThresholdsCache } from './thresholds.js';
import { WriteRounds } from './write-rounds.js';
import { BacklogReports, EventTimeWatermarks } from './watermarks.js';
import { LifetimeRefit } from './lifetime-refit.js';

/** Dedupe ids are kept for 8 days: longer than Kafka's default 7-day retention (DESIGN 4). */
const DEDUPE_RETENTION_MS = 8 * 24 * 3_600_000;
/** How often the clock looks for customers whose due time has come. */
const CLOCK_TICK_MS = 1_000;

async function main(): Promise<void> {
  const { config, policy } = loadConfigOrExit(() => {
    const config = loadServiceConfig(process.env, { service: 'scorer', httpPort: 8081, groupId: 'bondstream-scorer' });
    return { config, policy: loadPolicy(config.policyFile) };
  });
  const logger = createLogger('scorer', config.logLevel);
  const registry = createMetricsRegistry('scorer');
  const metrics = createScorerMetrics(registry);
  const instance = `${config.kafka.clientId}-${randomUUID()}`;

  // Two connections: consumed batches on one, the timers (relay, clock, thresholds,
  // back-pressure) on the other, so neither waits behind the other's pipelines. The names show
  // in CLIENT LIST (and let the bench count the batches' round trips).
  const reporting = redisReporting(logger, registry);
  const redis = openServiceRedis(config, 'bondstream-scorer-batches', reporting);
  const background = openServiceRedis(config, 'bondstream-scorer-background', reporting);
  const keyspace = await openKeySpaceOrExit(redis, config);
  const schemaRegistry = config.schemaRegistryUrl ? await createSchemaRegistryClient(config.schemaRegistryUrl) : undefined;
  const decoder = new InputDecoder({ registry: schemaRegistry });

  const kafka = createKafka(config.kafka, logger);
  const producer = await connectProducer(kafka, config.kafka.idempotent);

  const clock = new EvaluationClock(config.clock, config.allowedLatenessSeconds * 1_000);
  const inputTopics = [config.topics.orders, config.topics.interactions];
  let eventTime: EventTimeWatermarks | null = null;
  let backlogs: BacklogReports | null = null;
  if (config.clock === 'event') {
    eventTime = new EventTimeWatermarks(keyspace, config.idlePartitionSeconds * 1_000);
    // Every input partition holds the watermarks back while the group has a backlog on it or
    // until it has been idle: one whose first batch is still in flight must not be overtaken.
    backlogs = new BacklogReports(kafka, config.kafka.groupId, inputTopics, eventTime, background, logger);
    await backlogs.start();
  }
  // Segment changes written before the relay thread runs wait in the outbox.
  const relay = new RelayHost({ config, leaseToken: instance }, metrics, logger);
  let thresholds: ThresholdsCache | null = null;
  let dueClock: DueClock | null = null;
  let lifetimeRefit: LifetimeRefit | null = null;
  const scoring: ScoringContext = {
    redis, keyspace, policy, clock, eventTime, metrics,
    thresholds: (tenantId) => thresholds?.get(tenantId) ?? null,
    lifetimeModel: (tenantId) => lifetimeRefit?.get(tenantId) ?? null,
    dedupeRetentionMs: DEDUPE_RETENTION_MS,
    onOutboxWrite: (entries) => relay.published(entries),
    onWritten: (writes) => dueClock?.noteDueTimes(writes),
    writeRounds: new WriteRounds(),
    registeredTenants: new Set(),
  };
  // A Redis that comes back, or a cluster node replaced, may have lost writes (a failover): a
  // registered tenant could be gone, so the process registers its tenants again.
  for (const client of [redis, background]) {
    for (const event of ['reconnecting', '-node']) client.on(event, () => scoring.registeredTenants?.clear());
  }
  const timers: ScoringContext = { ...scoring, redis: background };
  const tenantTasks = { redis: background, keyspace, policy, clock, leaseToken: instance, writeRounds: scoring.writeRounds, logger, metrics };
  thresholds = new ThresholdsCache(tenantTasks,
    (refs) => reevaluateCustomers(timers, refs, 'thresholds'));
  await thresholds.refresh();
  dueClock = new DueClock(timers, instance, CLOCK_TICK_MS, logger);
  lifetimeRefit = new LifetimeRefit(tenantTasks,
    (refs) => reevaluateCustomers(timers, refs, 'model'));
  await lifetimeRefit.reload();

  const outbox = new OutboxStore(background, keyspace, instance, 6_000);

  const consumer = new BatchConsumer<AcceptedEvent>({
    kafka,
    groupId: config.kafka.groupId,
    topics: inputTopics,
    maxWaitTimeInMs: config.kafka.fetchMaxWaitMs,
    deadLetters: new DeadLetterPublisher(producer, config.topics.dlq),
    logger,
    metrics,
    handler: {
      classify: (messages) => {
        const wallNowMs = Date.now();
        const consumed = metrics.eventLatency.labels('consumed');
        for (const m of messages) if (m.producedAtMs !== undefined && Number.isFinite(m.producedAtMs)) consumed.observe((wallNowMs - m.producedAtMs) / 1000);
        return classifyMessages(messages, decoder, { wallNowMs, policy });
      },
      apply: (accepted, _heartbeat, sources) => applyBatch(scoring, accepted, sources),
    },
  });
  const backPressure = OutboxBackPressure.forConsumer(consumer, outbox, metrics.backlog, logger);

  const http = await startHttpServer({
    port: config.httpPort,
    logger,
    registry,
    ready: () => consumer.ready && redisReady(redis) && redisReady(background),
  });

  relay.start();
  thresholds.start();
  dueClock.start();
  lifetimeRefit.start();
  backPressure.start();
  await consumer.start();
  logger.info({ port: http.port, clock: config.clock, namespace: config.redisNamespace }, 'scorer started');

  exitOnSignals('scorer', logger, async () => {
    backPressure.stop();
    await consumer.stop();
    await dueClock.stop();
    await backlogs?.stop();
    await lifetimeRefit.stop();
    await thresholds.stop();
    await relay.stop(); // publishes what is left in the outbox first
    await producer.disconnect();
    await http.close();
    await Promise.all([closeRedis(redis), closeRedis(background)]);
  });
}

main().catch((error: unknown) => {
  console.error('bondstream scorer failed to start:', error);
  process.exit(1);
});
