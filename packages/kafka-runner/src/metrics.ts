import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ConsumerMetrics } from './batch-consumer.js';

/**
 * The metrics of a BatchConsumer, the same names in every consuming service (the `service`
 * label tells them apart). Never a customer id as a label value.
 */
export function createConsumerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    consumed: new Counter({
      name: 'bondstream_events_consumed_total',
      help: 'Consumed input events by outcome (applied, duplicate, dead_lettered)',
      labelNames: ['topic', 'outcome'] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: 'bondstream_dead_letters_total',
      help: 'Messages sent to the dead-letter topic, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    batchDuration: new Histogram({
      name: 'bondstream_batch_duration_seconds',
      help: 'Time from receiving a batch to committing its offsets',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    errors: new Counter({
      name: 'bondstream_step_errors_total',
      help: 'Failed (and retried) steps: classify, dead_letter, apply (Redis), commit, relay, thresholds, webhook',
      labelNames: ['stage'] as const,
      registers,
    }),
    paused: new Gauge({
      name: 'bondstream_consumer_paused',
      help: '1 while consumption is paused for back-pressure',
      registers,
    }),
  } satisfies ConsumerMetrics;
}
