import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createConsumerMetrics } from '@bondstream/kafka-runner';

/** The actions service's metrics (Prometheus naming; never a customer id as a label value). */
export function createActionsMetrics(registry: Registry) {
  const registers = [registry];
  return {
    ...createConsumerMetrics(registry),
    actions: new Counter({
      name: 'bondstream_actions_total',
      help: 'Segment changes by the action they asked for (none without a rule) and its outcome: emitted, duplicate, cooldown, no_rule',
      labelNames: ['action', 'outcome'] as const,
      registers,
    }),
    published: new Counter({
      name: 'bondstream_actions_published_total',
      help: 'Customer actions published from the action outbox to Kafka',
      registers,
    }),
    backlog: new Gauge({
      name: 'bondstream_actions_outbox_backlog',
      help: 'Actions written to the outbox and not yet published (consumption pauses above 100,000)',
      registers,
    }),
    webhookDuration: new Histogram({
      name: 'bondstream_webhook_delivery_seconds',
      help: 'Duration of one webhook delivery attempt, by outcome (success, failure)',
      labelNames: ['outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    webhookDelivered: new Counter({
      name: 'bondstream_webhook_delivered_total',
      help: 'Actions a webhook receiver accepted (2xx)',
      registers,
    }),
    webhookFailures: new Counter({
      name: 'bondstream_webhook_failures_total',
      help: 'Failed webhook attempts by reason: timeout, network, http_4xx, http_5xx',
      labelNames: ['reason'] as const,
      registers,
    }),
    webhookDeadLetters: new Counter({
      name: 'bondstream_webhook_dead_letters_total',
      help: 'Actions dead-lettered (reason webhook_failed) after the last webhook attempt failed',
      registers,
    }),
    webhookBacklog: new Gauge({
      name: 'bondstream_webhook_backlog',
      help: 'Actions queued for webhook delivery (in flight or waiting for a retry included)',
      registers,
    }),
  };
}

export type ActionsMetrics = ReturnType<typeof createActionsMetrics>;
