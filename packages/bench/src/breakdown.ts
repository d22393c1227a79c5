/**
 * The latency phase's breakdown: where an event's time goes from the producer.send call that
 * carries it to the kcat collector reading its segment change, stage by stage in the order they
 * happen, from two sources: what the bench measures per event, and the scorer's
 * bondstream_event_latency_seconds histogram (its own stages, which the bench cannot see).
 */
import { histogramQuantile, percentile, round, type Bucket } from './stats.js';

/** One event that came back, in ms since its producer.send call (dueToSend: from its due time to that call). */
export interface EventTimes {
  dueToSend: number;
  acked: number;
  /** the change's emittedAt: the relay's clock when it published */
  emitted?: number;
  /** the output message's Kafka timestamp: when the relay's producer built the request */
  outputTimestamp?: number;
  delivered: number;
}

export interface BreakdownRow {
  stage: string;
  /** what the times count from: the send call (every stage), or the due time (the two rows kept for comparison) */
  from: 'send' | 'due';
  source: 'bench' | 'scorer';
  p50: number;
  p99: number;
  /** events (bench) or observations (scorer) the percentiles are of */
  events: number;
}

/** The scorer's stages, as the label `stage` of its histogram names them, in the order they happen. */
export const SCORER_STAGES = ['consumed', 'written', 'published'] as const;
export type ScorerStage = (typeof SCORER_STAGES)[number];

const STAGE_NAMES: Record<ScorerStage, string> = {
  consumed: 'consumed by the scorer (batch handler)',
  written: 'written to Redis (atomic step returned)',
  published: 'published (Kafka acknowledged the relay)',
};

function fromEvents(stage: string, from: BreakdownRow['from'], values: readonly (number | undefined)[]): BreakdownRow | null {
  const xs = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return xs.length === 0 ? null : { stage, from, source: 'bench', p50: round(percentile(xs, 50), 1), p99: round(percentile(xs, 99), 1), events: xs.length };
}

function fromHistogram(stage: ScorerStage, buckets: readonly Bucket[] | undefined): BreakdownRow | null {
  const events = buckets?.at(-1)?.count ?? 0;
  if (buckets === undefined || events === 0) return null;
  const ms = (q: number): number => round(histogramQuantile(buckets, q) * 1000, 1);
  return { stage: STAGE_NAMES[stage], from: 'send', source: 'scorer', p50: ms(0.5), p99: ms(0.99), events };
}

/**
 * The rows in the order the stages happen (the bench's linger before the send first, the old
 * from-due end-to-end figure last). `scorer` holds the histogram's buckets observed during the
 * measured window per stage, or null when the scorer exports no such histogram; a stage without
 * observations is left out. The scorer measures from the record's Kafka timestamp, which the
 * bench sets to the wall clock of the send call, so both sources count from the same instant.
 */
export function latencyBreakdown(events: readonly EventTimes[], scorer: ReadonlyMap<string, Bucket[]> | null): BreakdownRow[] {
  const stage = (s: ScorerStage) => (scorer === null ? null : fromHistogram(s, scorer.get(s)));
  return [
    fromEvents('due → producer.send (the bench\'s linger; not counted)', 'due', events.map((e) => e.dueToSend)),
    fromEvents('produce acknowledged', 'send', events.map((e) => e.acked)),
    stage('consumed'),
    stage('written'),
    fromEvents('emittedAt (the relay publishes the change)', 'send', events.map((e) => e.emitted)),
    fromEvents('output message timestamp (relay\'s produce request)', 'send', events.map((e) => e.outputTimestamp)),
    stage('published'),
    fromEvents('delivered to the collector (end to end)', 'send', events.map((e) => e.delivered)),
    fromEvents('delivered, counted from due (as figures before issue 17)', 'due', events.map((e) => e.dueToSend + e.delivered)),
  ].filter((row): row is BreakdownRow => row !== null);
}

/** Why a scorer stage is not in the breakdown, or nothing when all are. */
export function missingStages(scorer: ReadonlyMap<string, Bucket[]> | null): string | null {
  if (scorer === null || scorer.size === 0) {
    return 'the scorer exports no bondstream_event_latency_seconds (a scorer from before issue 17): its consumed, written and published stages are left out';
  }
  const missing = SCORER_STAGES.filter((s) => (scorer.get(s)?.at(-1)?.count ?? 0) === 0);
  return missing.length === 0 ? null : `no observations of the scorer's stage(s) ${missing.join(', ')} during the measured window: left out`;
}

/** The breakdown as a table for stderr. */
export function breakdownTable(rows: readonly BreakdownRow[]): string[] {
  const width = Math.max(...rows.map((r) => r.stage.length), 5);
  const line = (stage: string, source: string, p50: string, p99: string, events: string) =>
    `  ${stage.padEnd(width)}  ${source.padEnd(6)}  ${p50.padStart(8)}  ${p99.padStart(8)}  ${events.padStart(7)}`;
  return [
    'latency breakdown, ms since the producer.send call (the first and last rows: since the event\'s due time);',
    '  the scorer\'s rows from its histogram, interpolated within buckets:',
    line('stage', 'source', 'p50', 'p99', 'events'),
    ...rows.map((r) => line(r.stage, r.source, r.p50.toFixed(1), r.p99.toFixed(1), String(r.events))),
  ];
}
