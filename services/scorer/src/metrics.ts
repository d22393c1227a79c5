import { Counter, Gauge, type Registry } from 'prom-client';
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
    backlog: new Gauge({
      name: 'bondstream_outbox_backlog',
      help: 'Segment changes written to the outbox and not yet published',
      registers,
    }),
    thresholdRefreshes: new Counter({
      name: 'bondstream_thresholds_refreshes_total',
      help: 'Population thresholds snapshots computed by this process',
      registers,
    }),
  };
}

export type ScorerMetrics = ReturnType<typeof createScorerMetrics>;
