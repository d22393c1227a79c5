/**
 * Phase 2, end-to-end latency: a scorer continuing from the throughput drain (or, with
 * `--only latency`, from an empty orders topic) gets events at a steady rate; each one's latency
 * runs from when it was due until the kcat collector reads its segment change back.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Producer } from 'kafkajs';
import { loadPolicy } from '@bondstream/config';
import { medianProfitTrusted, pyramidRanksTrusted, rfmQuantilesTrusted, type Thresholds } from '@bondstream/model';
import { KeySpace, readThresholds } from '@bondstream/redis-state';
import { waitFor, type LocalStack } from '@bondstream/testkit';
import { startKcatCollector } from './collector.js';
import { log, metric, percent, profileArgs, sleep, startScorer, TOPICS, type Args, type Scorer } from './shared.js';
import { percentile, round } from './stats.js';
import { drainGroup, SCORER_RUNS } from './throughput.js';
import { cpuTimes, stealShare } from './steal.js';

const LATENCY_TENANT = 'latency';

/** Printed with the latency figures and kept in the JSON: which broker they were measured on. */
const mockLatencyNote = (fetchWaitMs: number): string => `mock broker: librdkafka 2.0.2's mock cluster with the project's patch `
  + '(README, "Local Kafka"): a fetch gets every produced set that fits and a waiting fetch is answered when data arrives, as on a '
  + `broker; the scorer and the kcat collector fetch with a ${fetchWaitMs} ms wait (--fetch-wait-ms)`;

/** The latency phase's summary line (stderr). */
export const latencyLine = (lat: { p50: number; p99: number; produceToEmittedP50: number; produceToEmittedP99: number; warmup: { seconds: number }; stealShare: number }): string =>
  `latency p50 ${lat.p50} ms, p99 ${lat.p99} ms; produce → emittedAt (the scorer's share) p50 ${lat.produceToEmittedP50} ms, `
  + `p99 ${lat.produceToEmittedP99} ms; measured after a ${lat.warmup.seconds} s warm-up; steal ${percent(lat.stealShare)}`;

/**
 * A tenant is scored with the policy's absolute cuts until it has minPopulation customers; at
 * the first thresholds refresh after that (every refreshSeconds, 10) the scorer switches it to
 * its own cuts and re-scores all its customers, once in the tenant's life. The latency phase
 * measures the steady state after that: before it sends at the steady rate, it gives the
 * tenant twice minPopulation customers and waits for that switch (at most 30 s; false if it
 * did not come). Waiting without sending keeps the mock broker's partitions short (it looks
 * up a fetch's offset by walking the partition's produced sets one by one).
 */
async function establishTenant(redis: Redis, scorer: Scorer, send: (events: { id: string; dueAt: number }[]) => Promise<void>, run: string): Promise<boolean> {
  const policy = loadPolicy(null);
  const keyspace = new KeySpace('bench');
  const trusted = (t: Thresholds | null) => medianProfitTrusted(t, policy) && pyramidRanksTrusted(t, policy) && rfmQuantilesTrusted(t, policy);
  if (trusted(await readThresholds(redis, keyspace, LATENCY_TENANT))) return true;
  const rescoredBefore = await metric(scorer.url, 'bondstream_thresholds_rescored_customers_total');
  const seed = 2 * Math.max(policy.relationship.minPopulation, policy.rfm.minPopulation);
  for (let i = 0; i < seed; i += 100) {
    await send(Array.from({ length: Math.min(100, seed - i) }, (_, k) => ({ id: `seed-${run}-${i + k}`, dueAt: performance.now() })));
  }
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    await sleep(250);
    if (trusted(await readThresholds(redis, keyspace, LATENCY_TENANT))
      && await metric(scorer.url, 'bondstream_thresholds_rescored_customers_total') > rescoredBefore) return true;
  }
  return false;
}

/**
 * Whether every event sent more than 250 ms ago has come back (the pipeline is not behind).
 * `from` is where to resume scanning `sent` (everything before it came back already).
 */
function caughtUp(sent: readonly string[], from: { index: number }, latencies: ReadonlyMap<string, number>, sentAt: ReadonlyMap<string, number>): boolean {
  while (from.index < sent.length && latencies.has(sent[from.index] as string)) from.index++;
  const oldest = sent[from.index];
  return oldest === undefined || (sentAt.get(oldest) as number) >= performance.now() - 250;
}

/** Phase 2: steady produce rate into the running scorer; latency until the segment change is read back. */
export async function latency(stack: LocalStack, redis: Redis, producer: Producer, args: Args) {
  // The last drain's group and namespace: it continues from the committed end of CDNOW_master
  // (in a group of its own it would first re-read both copies, 139,318 duplicates).
  const scorer = await startScorer(stack, 'scorer-latency', {
    REDIS_NAMESPACE: 'bench', KAFKA_GROUP_ID: drainGroup(SCORER_RUNS - 1), KAFKA_FETCH_MAX_WAIT_MS: String(args['fetch-wait-ms']),
  }, args.out, profileArgs(args));
  const run = randomUUID().slice(0, 8);
  const sentAt = new Map<string, number>();
  const sentWallMs = new Map<string, number>();
  const latencies = new Map<string, number>();
  /** produce → emittedAt (the relay's clock when it published): the scorer's share of the latency */
  const toEmitted = new Map<string, number>();
  /** per event, ms after it was due: produce acked, emittedAt, the output message's timestamp (relay send) */
  const stages = new Map<string, { acked: number; emitted?: number; published?: number }>();
  // In this phase every event is a new customer's first (key = customer id = event id), so
  // only the first change of each customer can be the first to name the event as its cause.
  const collector = startKcatCollector(stack.kafka.brokers, TOPICS.segmentChanges, args['fetch-wait-ms'],
    (key) => sentAt.has(key) && !latencies.has(key),
    (key, change, receivedAt) => {
      if (change.causeEventId !== key) return;
      latencies.set(key, receivedAt - (sentAt.get(key) as number));
      const wallDue = sentWallMs.get(key) as number;
      toEmitted.set(key, change.emittedAtMs - wallDue);
      const stage = stages.get(key);
      if (stage) {
        stage.emitted = change.emittedAtMs - wallDue;
        stage.published = change.timestampMs - wallDue;
      }
    });
  try {
    /** Each event with the time it was due: its latency includes the producer's linger. */
    const send = async (events: { id: string; dueAt: number }[]): Promise<void> => {
      const perfNow = performance.now();
      const wallNow = Date.now();
      for (const { id, dueAt } of events) {
        sentAt.set(id, dueAt);
        sentWallMs.set(id, wallNow - (perfNow - dueAt));
      }
      const ids = events.map((e) => e.id);
      const occurredAt = new Date(wallNow).toISOString();
      await producer.send({
        topic: TOPICS.orders, acks: -1,
        messages: ids.map((id) => ({ key: id, value: JSON.stringify({ eventId: id, type: 'order.placed', tenantId: LATENCY_TENANT, customerId: id, orderId: id, occurredAt, amount: 25 }) })),
      });
      const acked = performance.now();
      for (const { id, dueAt } of events) stages.set(id, { acked: acked - dueAt });
    };
    // The collector joins its group and starts at the end of the topic: probe until it sees a change.
    let probe = 0;
    await waitFor('the latency collector to receive a probe', async () => {
      const id = `probe-${run}-${probe++}`;
      await send([{ id, dueAt: performance.now() }]);
      await sleep(300);
      return latencies.has(id) ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 0 });

    const perSecond = args['latency-rate'];
    const durationMs = args['latency-seconds'] * 1000;
    const measured: string[] = [];
    const warmup: string[] = [];
    const established = await establishTenant(redis, scorer, send, run);
    if (!established) log('latency warm-up: the tenant did not get its own thresholds within 30 s; measuring anyway');
    // Warm-up at the steady rate, not measured: at least 2 s, and until the pipeline has caught
    // up (at most 30 s); then latency-seconds measured.
    const started = performance.now();
    let measureFrom = Number.POSITIVE_INFINITY;
    const warmupBack = { index: 0 };
    let sent = 0;
    // Like a producer's linger: every linger-ms (on a fixed schedule, not drifting by the time a
    // send takes) what became due goes out in one request, without waiting for the previous
    // request's acknowledgement.
    const sending = new Set<Promise<void>>();
    let sendError: unknown = null;
    let machineAtMeasure = cpuTimes();
    for (let tick = 1; ; tick++) {
      const wait = started + tick * args['linger-ms'] - performance.now();
      if (wait > 0) await sleep(wait);
      const now = performance.now();
      if (measureFrom === Number.POSITIVE_INFINITY && now >= started + 2_000 && (caughtUp(warmup, warmupBack, latencies, sentAt) || now >= started + 30_000)) {
        measureFrom = now;
        machineAtMeasure = cpuTimes();
        if (now >= started + 30_000) log('latency warm-up: still behind after 30 s; measuring anyway');
      }
      if (now >= measureFrom + durationMs) break;
      const elapsed = now - started;
      const due = Math.floor((elapsed / 1000) * perSecond);
      if (due > sent) {
        // Event n was due at started + n / rate: measured from then, the linger counts.
        const events: { id: string; dueAt: number }[] = [];
        for (; sent < due; sent++) events.push({ id: `lat-${run}-${sent}`, dueAt: started + ((sent + 1) / perSecond) * 1000 });
        (now >= measureFrom ? measured : warmup).push(...events.map((e) => e.id));
        const request = send(events).catch((error: unknown) => {
          sendError ??= error;
        });
        sending.add(request);
        void request.then(() => sending.delete(request));
      }
      if (sendError !== null) throw sendError;
    }
    await Promise.all(sending);
    if (sendError !== null) throw sendError;
    const sendSeconds = (performance.now() - started) / 1000;
    const steal = round(stealShare(machineAtMeasure, cpuTimes()), 3);
    const warmupValues = warmup.filter((id) => latencies.has(id)).map((id) => latencies.get(id) as number);
    await waitFor('a segment change for every measured event', () => (measured.every((id) => latencies.has(id)) ? true : undefined), { timeoutMs: 20_000, intervalMs: 100 })
      .catch(() => log(`only ${measured.filter((id) => latencies.has(id)).length} of ${measured.length} latency events came back within 20 s`));
    // An event that never came back counts with the time waited for it so far (a lower bound of
    // its latency): the percentiles do not hide it.
    const gaveUp = performance.now();
    const values = measured.map((id) => latencies.get(id) ?? gaveUp - (sentAt.get(id) as number));
    const emitted = measured.map((id) => toEmitted.get(id) ?? Number.NaN).filter((v) => Number.isFinite(v));
    const missing = measured.filter((id) => !latencies.has(id)).length;
    // Where the time went, for the events that came back: each step's p50 and p99 in ms.
    const back = measured.filter((id) => latencies.has(id)).map((id) => ({ ...(stages.get(id) as { acked: number }), received: latencies.get(id) as number }));
    const step = (f: (s: { acked: number; emitted?: number; published?: number; received: number }) => number | undefined) => {
      const xs = back.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v));
      return { p50: round(percentile(xs, 50), 1), p99: round(percentile(xs, 99), 1) };
    };
    // Per second of the phase: how the latency developed (a backlog grows; a hiccup recovers).
    const bySecond = new Map<number, number[]>();
    measured.forEach((id, i) => {
      const second = Math.floor(((sentAt.get(id) as number) - measureFrom) / 1000);
      const bucket = bySecond.get(second);
      if (bucket) bucket.push(values[i] as number);
      else bySecond.set(second, [values[i] as number]);
    });
    const timeline = [...bySecond].map(([second, xs]) => ({ second, p50: round(percentile(xs, 50), 1), p99: round(percentile(xs, 99), 1), max: round(xs.reduce((a, b) => Math.max(a, b), 0), 1) }));
    const steps = {
      dueToProduceAcked: step((x) => x.acked),
      ackedToEmittedAt: step((x) => (x.emitted === undefined ? undefined : x.emitted - x.acked)),
      emittedAtToRelaySend: step((x) => (x.emitted === undefined || x.published === undefined ? undefined : x.published - x.emitted)),
      relaySendToCollector: step((x) => (x.published === undefined ? undefined : x.received - x.published)),
    };
    return {
      p50: round(percentile(values, 50), 2), p90: round(percentile(values, 90), 2), p99: round(percentile(values, 99), 2), stealShare: steal,
      max: round(values.reduce((a, b) => Math.max(a, b), 0), 2), measured: measured.length, missing, lowerBound: missing > 0,
      warmup: {
        tenantEstablished: established,
        seconds: round((measureFrom - started) / 1000, 1), events: warmup.length,
        p50: round(percentile(warmupValues, 50), 1), p99: round(percentile(warmupValues, 99), 1), max: round(warmupValues.reduce((a, b) => Math.max(a, b), 0), 1),
      },
      consumedByScorer: await metric(scorer.url, 'bondstream_events_consumed_total'),
      achievedRate: Math.round(sent / sendSeconds),
      produceToEmittedP50: round(percentile(emitted, 50), 1), produceToEmittedP99: round(percentile(emitted, 99), 1), lingerMs: args['linger-ms'],
      fetchWaitMs: args['fetch-wait-ms'],
      mockBroker: mockLatencyNote(args['fetch-wait-ms']),
      batchesDuringPhase: await metric(scorer.url, 'bondstream_batch_duration_seconds_count'),
      // background work in the same process: re-scores after a thresholds refresh (every 10 s)
      thresholdsRefreshes: await metric(scorer.url, 'bondstream_thresholds_refreshes_total'),
      thresholdsRescoredCustomers: await metric(scorer.url, 'bondstream_thresholds_rescored_customers_total'),
      steps, changesRead: collector.lines(), timeline,
    };
  } finally {
    await collector.stop();
    await scorer.stop();
  }
}
