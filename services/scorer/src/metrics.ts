import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createConsumerMetrics } from '@bondstream/kafka-runner';

/** The scorer's metrics (Prometheus naming; never a customer id as a label value). */
export function createScorerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    ...createConsumerMetrics(registry),
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
    eventLatency: new Histogram({
      name: 'bondstream_event_latency_seconds',
      help: 'Time from an input record\'s Kafka timestamp until the scorer had consumed it (stage consumed), written its atomic step (written), and had Kafka acknowledge the first segment change it caused (published, fast path)',
      labelNames: ['stage'] as const,
      buckets: [0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
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
    lifetimeFits: new Counter({
      name: 'bondstream_lifetime_fits_total',
      help: 'Lifetime model fits by model (bgnbd, gamma_gamma) and outcome: fitted, or why the previous one was kept (no_convergence, too_few_repeat_buyers, degenerate, q_le_1)',
      labelNames: ['model', 'outcome'] as const,
      registers,
    }),
    lifetimeFitDuration: new Histogram({
      name: 'bondstream_lifetime_fit_duration_seconds',
      help: 'Wall time of one tenant\'s lifetime model refit in its worker thread (both models)',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    lifetimeRescored: new Counter({
      name: 'bondstream_lifetime_rescored_customers_total',
      help: 'Purchasing customers gone over because their tenant got a new lifetime model (cause "model"); one-day buyers, whom no model can move, are read but not re-written',
      registers,
    }),
    watermarkHeldBack: new Gauge({
      name: 'bondstream_watermark_held_back_seconds',
      help: 'Event clock: the largest gap over tenants between the newest event time seen and the watermark (a partition with a backlog, or not yet idle, holds it back)',
      registers,
    }),
  };
}

export type ScorerMetrics = ReturnType<typeof createScorerMetrics>;
