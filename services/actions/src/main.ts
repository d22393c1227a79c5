import { randomUUID } from 'node:crypto';
import { loadActionsConfig, loadConfigOrExit, loadPolicy } from '@bondstream/config';
import { createSchemaRegistryClient, OutputEncoder, SegmentChangeDecoder, type CustomerAction } from '@bondstream/contracts';
import { BatchConsumer, connectProducer, createKafka, DeadLetterPublisher, OutboxBackPressure, OutboxRelay } from '@bondstream/kafka-runner';
import type { ActionTrigger } from '@bondstream/model';
import { createLogger, createMetricsRegistry, exitOnSignals, startHttpServer } from '@bondstream/observability';
import { closeRedis, openKeySpaceOrExit, openServiceRedis, OutboxStore, redisReady, redisReporting } from '@bondstream/redis-state';
import { applyBatch } from './apply-batch.js';
import { classifyChanges } from './classify.js';
import { createActionsMetrics } from './metrics.js';
import { WebhookWorker } from './webhook.js';

/** Claimed actionIds are kept 8 days: longer than Kafka's default 7-day retention (DESIGN 4). */
const DEDUPE_RETENTION_MS = 8 * 24 * 3_600_000;

async function main(): Promise<void> {
  const { config, policy } = loadConfigOrExit(() => {
    const config = loadActionsConfig(process.env, { service: 'actions', httpPort: 8082, groupId: 'bondstream-actions' });
    return { config, policy: loadPolicy(config.policyFile) };
  });
  const logger = createLogger('actions', config.logLevel);
  const registry = createMetricsRegistry('actions');
  const metrics = createActionsMetrics(registry);
  const instance = `${config.kafka.clientId}-${randomUUID()}`;

  const redis = openServiceRedis(config, 'bondstream-actions', redisReporting(logger, registry));
  const keyspace = await openKeySpaceOrExit(redis, config);
  const schemaRegistry = config.schemaRegistryUrl ? await createSchemaRegistryClient(config.schemaRegistryUrl) : undefined;
  const decoder = new SegmentChangeDecoder({ registry: schemaRegistry });
  const encoder = new OutputEncoder({ registry: schemaRegistry, topics: config.topics });

  const kafka = createKafka(config.kafka, logger);
  const producer = await connectProducer(kafka, config.kafka.idempotent);
  const deadLetters = new DeadLetterPublisher(producer, config.topics.dlq);

  const outbox = new OutboxStore(redis, keyspace, instance, 6_000, 'actions-outbox');
  const relay = new OutboxRelay({
    source: outbox,
    producer,
    topic: config.topics.actions,
    encode: (stored) => Promise.all(stored.map(async (entry) => {
      const action = JSON.parse(entry.toString('utf8')) as CustomerAction;
      return { key: action.customerId, value: await encoder.encodeAction(action) };
    })),
    logger,
    metrics: { published: metrics.published, errors: metrics.errors },
    leaseRefreshMs: 2_000,
  });

  const webhooks = config.webhook === null ? null : new WebhookWorker({
    config: config.webhook,
    queue: new OutboxStore(redis, keyspace, instance, 6_000, 'webhooks'),
    deadLetters,
    actionsTopic: config.topics.actions,
    logger,
    metrics,
  });

  const consumer = new BatchConsumer<ActionTrigger>({
    kafka,
    groupId: config.kafka.groupId,
    topics: [config.topics.segmentChanges],
    maxWaitTimeInMs: config.kafka.fetchMaxWaitMs,
    deadLetters,
    logger,
    metrics,
    handler: {
      classify: (messages) => classifyChanges(messages, decoder),
      apply: (triggers) => applyBatch({
        redis, keyspace, policy, metrics,
        dedupeRetentionMs: DEDUPE_RETENTION_MS,
        webhooks: webhooks !== null,
        onEmitted: () => {
          relay.wake();
          webhooks?.wake();
        },
      }, triggers),
    },
  });

  // Kafka refusing the actions must not fill Redis: consumption pauses on a large outbox backlog.
  // The webhook queue never pauses it (webhook failures end in the DLQ instead).
  const backPressure = OutboxBackPressure.forConsumer(consumer, outbox, metrics.backlog, logger);

  const http = await startHttpServer({
    port: config.httpPort,
    logger,
    registry,
    ready: () => consumer.ready && redisReady(redis),
  });

  relay.start();
  webhooks?.start();
  backPressure.start();
  await consumer.start();
  logger.info({
    port: http.port,
    namespace: config.redisNamespace,
    cooldownDays: policy.actions.cooldownDays,
    rules: policy.actions.rules.length,
    // The host only: a webhook URL may carry a token in its path or query; the secret is never logged.
    webhook: config.webhook === null ? null : { host: new URL(config.webhook.url).host, maxAttempts: config.webhook.maxAttempts },
  }, 'actions started');

  exitOnSignals('actions', logger, async () => {
    backPressure.stop();
    await consumer.stop();
    await webhooks?.stop();
    await relay.drain().catch((error: unknown) => logger.warn({ err: error }, 'action outbox not drained; the next start publishes it'));
    await relay.stop();
    await producer.disconnect();
    await http.close();
    await closeRedis(redis);
  });
}

main().catch((error: unknown) => {
  console.error('bondstream actions failed to start:', error);
  process.exit(1);
});
