import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The scorer's metrics (Prometheus naming; never a customer id as a label value). */
export function createScorerMetrics(registry: Registry) {
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
      help: 'Failed (and retried) steps: classify, dead_letter, apply (Redis), commit, relay, thresholds',
      labelNames: ['stage'] as const,
      registers,
    }),
    paused: new Gauge({
      name: 'bondstream_consumer_paused',
      help: '1 while consumption is paused for back-pressure',
      registers,
    }),
    segmentChanges: new Counter({
      name: 'bondstream_segment_changes_total',
      help: 'Segment changes written to the outbox',
      labelNames: ['dimension', 'cause'] as const,
      registers,
    }),
    conflicts: new Counter({
      name: 'bondstream_state_conflicts_total',
      help: 'Customer updates retried because another writer changed the state version first',
      registers,
    }),
    published: new Counter({
      name: 'bondstream_outbox_published_total',
      help: 'Segment changes published from the outbox to Kafka',
      registers,
    }),
    backlog: new Gauge({
      name: 'bondstream_outbox_backlog',
      help: 'Segment changes written to the outbox and not yet published',
      registers,
    }),
    thresholdRefreshes: new Counter({
      name: 'bondstream_thresholds_refreshes_total',
      help: 'Population thresholds snapshots computed by this process (counted when the re-score of the moved bands has finished)',
      registers,
    }),
    thresholdsRescored: new Counter({
      name: 'bondstream_thresholds_rescored_customers_total',
      help: 'Customers re-scored because a cut point moved past their index value (the moved band only)',
      registers,
    }),
    clockReevaluations: new Counter({
      name: 'bondstream_clock_reevaluations_total',
      help: 'Customers re-evaluated by the clock because their due time came (window expiry, recency, loyalty, dwell)',
      registers,
    }),
    clockLag: new Gauge({
      name: 'bondstream_clock_lag_seconds',
      help: 'How far behind its evaluation time the clock was at the start of its last pass (oldest due time not yet handled)',
      registers,
    }),
  };
}

export type ScorerMetrics = ReturnType<typeof createScorerMetrics>;
