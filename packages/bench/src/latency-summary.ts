/**
 * The latency phase's figures from what it recorded per event: the end-to-end percentiles
 * (from the producer.send call, and from the due time as figures before issue 17 counted), the
 * bench's own wait between the two, the per-second timeline, the per-step differences and the
 * breakdown table with the scorer's stages.
 */
import { latencyBreakdown, type EventTimes } from './breakdown.js';
import { percentile, round, type Bucket } from './stats.js';

/** What the latency phase records about one event (performance.now() ms, wall-clock ms where marked). */
export interface TrackedEvent {
  /** when the bench's send schedule made it due */
  dueAt: number;
  /** when the producer.send call that carries it was made */
  sentAt: number;
  /** the same instant by the wall clock: the record's Kafka timestamp, where the scorer's stages count from */
  sentWallMs: number;
  ackedAt?: number;
  /** when the kcat collector delivered its first segment change */
  receivedAt?: number;
  /** the change's emittedAt and the output message's Kafka timestamp (wall clock) */
  emittedWallMs?: number;
  outputTimestampWallMs?: number;
}

/** ms since the send call of each stage of an event that came back. */
export function eventTimes(e: TrackedEvent & { receivedAt: number }): EventTimes {
  return {
    dueToSend: e.sentAt - e.dueAt,
    acked: e.ackedAt === undefined ? Number.NaN : e.ackedAt - e.sentAt,
    ...(e.emittedWallMs === undefined ? {} : { emitted: e.emittedWallMs - e.sentWallMs }),
    ...(e.outputTimestampWallMs === undefined ? {} : { outputTimestamp: e.outputTimestampWallMs - e.sentWallMs }),
    delivered: e.receivedAt - e.sentAt,
  };
}

const p = (xs: readonly number[], q: number, decimals: number): number => round(percentile(xs, q), decimals);
const max = (xs: readonly number[], decimals: number): number => round(xs.reduce((a, b) => Math.max(a, b), 0), decimals);

/**
 * The figures of the measured events. `gaveUpAt`: when the bench stopped waiting; an event that
 * never came back counts with the time waited for it so far (a lower bound of its latency), so
 * the percentiles do not hide it. `measureFrom` starts the timeline's seconds.
 */
export function summarizeLatency(measured: readonly TrackedEvent[], gaveUpAt: number, measureFrom: number, scorerStages: ReadonlyMap<string, Bucket[]> | null) {
  const back = measured.filter((e): e is TrackedEvent & { receivedAt: number } => e.receivedAt !== undefined);
  const fromSend = measured.map((e) => (e.receivedAt ?? gaveUpAt) - e.sentAt);
  const fromDue = measured.map((e) => (e.receivedAt ?? gaveUpAt) - e.dueAt);
  const dueToSend = measured.map((e) => e.sentAt - e.dueAt);
  const times = back.map(eventTimes);
  // Per second of the phase (by due time): how the latency developed (a backlog grows; a hiccup recovers).
  const bySecond = new Map<number, number[]>();
  measured.forEach((e, i) => {
    const second = Math.floor((e.dueAt - measureFrom) / 1000);
    const bucket = bySecond.get(second);
    if (bucket) bucket.push(fromSend[i] as number);
    else bySecond.set(second, [fromSend[i] as number]);
  });
  // Each step of the bench's own per event, p50 and p99 of its differences (percentiles of
  // differences, which the breakdown's cumulative rows cannot give).
  const step = (f: (t: EventTimes) => number | undefined) => {
    const xs = times.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return { p50: p(xs, 50, 1), p99: p(xs, 99, 1) };
  };
  const missing = measured.length - back.length;
  return {
    p50: p(fromSend, 50, 2), p90: p(fromSend, 90, 2), p99: p(fromSend, 99, 2), max: max(fromSend, 2),
    fromDueP50: p(fromDue, 50, 2), fromDueP99: p(fromDue, 99, 2),
    dueToSendP50: p(dueToSend, 50, 2), dueToSendP99: p(dueToSend, 99, 2),
    measured: measured.length, missing, lowerBound: missing > 0,
    produceToEmittedP50: step((t) => t.emitted).p50, produceToEmittedP99: step((t) => t.emitted).p99,
    steps: {
      dueToSend: step((t) => t.dueToSend),
      sendToProduceAcked: step((t) => t.acked),
      ackedToEmittedAt: step((t) => (t.emitted === undefined ? undefined : t.emitted - t.acked)),
      emittedAtToRelaySend: step((t) => (t.emitted === undefined || t.outputTimestamp === undefined ? undefined : t.outputTimestamp - t.emitted)),
      relaySendToCollector: step((t) => (t.outputTimestamp === undefined ? undefined : t.delivered - t.outputTimestamp)),
    },
    breakdown: latencyBreakdown(times, scorerStages),
    timeline: [...bySecond].map(([second, xs]) => ({ second, p50: p(xs, 50, 1), p99: p(xs, 99, 1), max: max(xs, 1) })),
  };
}

/** The warm-up's events that came back, from their send call: kept in the JSON to show how the phase settled. */
export function warmupFigures(warmup: readonly TrackedEvent[]) {
  const xs = warmup.filter((e) => e.receivedAt !== undefined).map((e) => (e.receivedAt as number) - e.sentAt);
  return { events: warmup.length, p50: p(xs, 50, 1), p99: p(xs, 99, 1), max: max(xs, 1) };
}
