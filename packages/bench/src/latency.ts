/**
 * Phase 2, end-to-end latency: a scorer continuing from the throughput drain (or, with
 * `--only latency`, from an empty orders topic) gets events at a steady rate; each one's latency
 * runs from the producer.send call that carries it until the kcat collector reads its segment
 * change back. The wait between an event's due time on the bench's send schedule (every
 * linger-ms) and that call is the emulated producer's linger, a client setting outside the
 * pipeline: it is reported on its own, and the latency counted from due is kept as well, which
 * is what figures before issue 17 measured.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import type { Producer } from 'kafkajs';
import { loadPolicy } from '@bondstream/config';
import { medianProfitTrusted, pyramidRanksTrusted, rfmQuantilesTrusted, type Thresholds } from '@bondstream/model';
import { KeySpace, readThresholds } from '@bondstream/redis-state';
import { waitFor, type LocalStack } from '@bondstream/testkit';
import { breakdownTable, missingStages } from './breakdown.js';
import { startKcatCollector } from './collector.js';
import { histogramDelta, parseHistograms } from './histogram.js';
import { summarizeLatency, warmupFigures, type TrackedEvent } from './latency-summary.js';
import {
  log, metric, metricsText, percent, processCpuSeconds, threadCpuSeconds, threadMicrosPerEvent, profileArgs, redisCpuSeconds, sleep, startScorer, TOPICS, type Args, type Scorer,
} from './shared.js';
import { round, type Bucket } from './stats.js';
import { drainGroup, SCORER_RUNS } from './throughput.js';
import { busyShare, cpuTimes, stealShare } from './steal.js';

const LATENCY_TENANT = 'latency';

/** Printed with the latency figures and kept in the JSON: which broker they were measured on. */
const mockLatencyNote = (fetchWaitMs: number): string => `mock broker: librdkafka 2.0.2's mock cluster with the project's patch `
  + '(README, "Local Kafka"): a fetch gets every produced set that fits and a waiting fetch is answered when data arrives, as on a '
  + `broker; the scorer and the kcat collector fetch with a ${fetchWaitMs} ms wait (--fetch-wait-ms)`;

/** The latency phase's summary line (stderr). */
export const latencyLine = (lat: {
  p50: number; p99: number; fromDueP50: number; fromDueP99: number; dueToSendP50: number; dueToSendP99: number;
  cpuMicrosPerEvent: { scorer: number; redis: number }; warmup: { seconds: number }; stealShare: number; passThrough: boolean;
}): string =>
  `latency from producer.send p50 ${lat.p50} ms, p99 ${lat.p99} ms (from due p50 ${lat.fromDueP50}, p99 ${lat.fromDueP99}; `
  + `due → send p50 ${lat.dueToSendP50}, p99 ${lat.dueToSendP99}); CPU per event ${lat.cpuMicrosPerEvent.scorer} µs ${lat.passThrough ? 'pass-through' : 'scorer'}, `
  + `${lat.cpuMicrosPerEvent.redis} µs Redis; measured after a ${lat.warmup.seconds} s warm-up; steal ${percent(lat.stealShare)}`;

/** The scorer's per-stage latency histogram (issue 17); absent from a scorer older than that. */
const STAGE_HISTOGRAM = 'bondstream_event_latency_seconds';

/** The stage histogram's buckets per stage, as the scorer's /metrics shows them now. */
const scrapeStages = async (scorer: Scorer): Promise<Map<string, Bucket[]>> => parseHistograms(await metricsText(scorer.url), STAGE_HISTOGRAM, 'stage');

/**
 * A tenant is scored with the policy's absolute cuts until it has minPopulation customers; at
 * the first thresholds refresh after that (every refreshSeconds, 10) the scorer switches it to
 * its own cuts and re-scores all its customers, once in the tenant's life. The latency phase
 * measures the steady state after that: before it sends at the steady rate, it gives the
 * tenant twice minPopulation customers and waits for that switch and for the tenant's first
 * lifetime-model fit, which a scorer attempts within 30 s of a new tenant (at most 45 s; false
 * if either did not come). A failed fit is attempted again only after a back-off (see
 * services/scorer lifetime-refit.ts), so neither recurs in the measured window. Waiting without sending keeps the mock broker's partitions short (it looks
 * up a fetch's offset by walking the partition's produced sets one by one).
 */
async function establishTenant(redis: Redis, scorer: Scorer, send: (events: { id: string; dueAt: number }[]) => Promise<void>, run: string): Promise<boolean> {
  const policy = loadPolicy(null);
  const keyspace = new KeySpace(LATENCY_NAMESPACE);
  const trusted = (t: Thresholds | null) => medianProfitTrusted(t, policy) && pyramidRanksTrusted(t, policy) && rfmQuantilesTrusted(t, policy);
  if (trusted(await readThresholds(redis, keyspace, LATENCY_TENANT))) return true;
  const rescoredBefore = await metric(scorer.url, 'bondstream_thresholds_rescored_customers_total');
  const fitsBefore = await metric(scorer.url, 'bondstream_lifetime_fits_total');
  const seed = 2 * Math.max(policy.relationship.minPopulation, policy.rfm.minPopulation);
  for (let i = 0; i < seed; i += 100) {
    await send(Array.from({ length: Math.min(100, seed - i) }, (_, k) => ({ id: `seed-${run}-${i + k}`, dueAt: performance.now() })));
  }
  const deadline = performance.now() + 45_000;
  while (performance.now() < deadline) {
    await sleep(250);
    if (trusted(await readThresholds(redis, keyspace, LATENCY_TENANT))
      && await metric(scorer.url, 'bondstream_thresholds_rescored_customers_total') > rescoredBefore
      && await metric(scorer.url, 'bondstream_lifetime_fits_total') > fitsBefore) return true;
  }
  return false;
}

/**
 * Whether every event sent more than 250 ms ago has come back (the pipeline is not behind).
 * `from` is where to resume scanning `sent` (everything before it came back already).
 */
function caughtUp(sent: readonly TrackedEvent[], from: { index: number }): boolean {
  while (from.index < sent.length && sent[from.index]?.receivedAt !== undefined) from.index++;
  const oldest = sent[from.index];
  return oldest === undefined || oldest.sentAt >= performance.now() - 250;
}

const LATENCY_NAMESPACE = 'bench-live';

/** Phase 2: steady produce rate into the running scorer; latency until the segment change is read back. */
export async function latency(stack: LocalStack, redis: Redis, producer: Producer, args: Args) {
  // The last drain's group: it continues from the committed end of CDNOW_master (in a group of
  // its own it would first re-read both copies, 139,318 duplicates). Live traffic, so the wall
  // clock, as a scorer of live traffic runs (the event clock is for replays); in a namespace of
  // its own, or the clock would bring every CDNOW customer of 1997 due at once.
  // --only latency-floor: the pass-through in the scorer's place (passthrough.ts); no tenant to establish.
  const floor = args.only === 'latency-floor';
  const scorer = await startScorer(stack, floor ? 'passthrough-latency' : 'scorer-latency', {
    REDIS_NAMESPACE: LATENCY_NAMESPACE, CRM_CLOCK: 'wall', KAFKA_GROUP_ID: drainGroup(SCORER_RUNS - 1), KAFKA_FETCH_MAX_WAIT_MS: String(args['fetch-wait-ms']),
  }, args.out, profileArgs(args), undefined, floor ? fileURLToPath(new URL('./passthrough.js', import.meta.url)) : undefined);
  const run = randomUUID().slice(0, 8);
  const tracked = new Map<string, TrackedEvent>();
  // In this phase every event is a new customer's first (key = customer id = event id), so
  // only the first change of each customer can be the first to name the event as its cause.
  const collector = startKcatCollector(stack.kafka.brokers, TOPICS.segmentChanges, args['fetch-wait-ms'],
    (key) => {
      const event = tracked.get(key);
      return event !== undefined && event.receivedAt === undefined;
    },
    (key, change, receivedAt) => {
      const event = tracked.get(key);
      if (change.causeEventId !== key || event === undefined) return;
      event.receivedAt = receivedAt;
      event.emittedWallMs = change.emittedAtMs;
      event.outputTimestampWallMs = change.timestampMs;
    });
  try {
    /**
     * One produce request for `events`. Each record's Kafka timestamp is set to the wall clock of
     * this call (kafkajs would take it when it encodes the request, a little later): the scorer's
     * stage histogram counts from it, so its stages and the bench's count from the same instant.
     */
    const send = async (events: { id: string; dueAt: number }[]): Promise<TrackedEvent[]> => {
      const sentAt = performance.now();
      const sentWallMs = Date.now();
      const records = events.map(({ id, dueAt }) => {
        const event: TrackedEvent = { dueAt, sentAt, sentWallMs };
        tracked.set(id, event);
        return event;
      });
      const occurredAt = new Date(sentWallMs).toISOString();
      await producer.send({
        topic: TOPICS.orders, acks: -1,
        messages: events.map(({ id }) => ({
          key: id, timestamp: String(sentWallMs),
          value: JSON.stringify({ eventId: id, type: 'order.placed', tenantId: LATENCY_TENANT, customerId: id, orderId: id, occurredAt, amount: 25 }),
        })),
      });
      const ackedAt = performance.now();
      for (const event of records) event.ackedAt = ackedAt;
      return records;
    };
    // The collector joins its group and starts at the end of the topic: probe until it sees a change.
    let probe = 0;
    await waitFor('the latency collector to receive a probe', async () => {
      const [event] = await send([{ id: `probe-${run}-${probe++}`, dueAt: performance.now() }]);
      await sleep(300);
      return event?.receivedAt !== undefined ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 0 });

    const perSecond = args['latency-rate'];
    const durationMs = args['latency-seconds'] * 1000;
    const measured: TrackedEvent[] = [];
    const warmup: TrackedEvent[] = [];
    const established = floor ? null : await establishTenant(redis, scorer, async (events) => {
      await send(events);
    }, run);
    if (established === false) log('latency warm-up: the tenant did not get its own thresholds and a first lifetime fit within 45 s; measuring anyway');
    // Warm-up at the steady rate, not measured: at least 2 s, and until the pipeline has caught
    // up (at most 30 s); then latency-seconds measured.
    const started = performance.now();
    let measureFrom = Number.POSITIVE_INFINITY;
    const warmupBack = { index: 0 };
    let sent = 0;
    // Like a producer's linger: every linger-ms (on a fixed schedule, not drifting by the time a
    // send takes) what became due goes out in one request, without waiting for the previous
    // request's acknowledgement.
    const sending = new Set<Promise<unknown>>();
    let sendError: unknown = null;
    // At the start of the measured window: the machine's CPU times, the scorer's CPU, and (not
    // awaited: the send schedule must not wait for them) Redis' CPU and the stage histogram.
    let atMeasure: { machine: ReturnType<typeof cpuTimes>; scorerCpu: number; threads: Map<string, number>; redisCpu: Promise<number>; stages: Promise<Map<string, Bucket[]>> } | null = null;
    for (let tick = 1; ; tick++) {
      const wait = started + tick * args['linger-ms'] - performance.now();
      if (wait > 0) await sleep(wait);
      const now = performance.now();
      if (atMeasure === null && now >= started + 2_000 && (caughtUp(warmup, warmupBack) || now >= started + 30_000)) {
        measureFrom = now;
        atMeasure = {
          machine: cpuTimes(), scorerCpu: processCpuSeconds(scorer.process.pid), threads: threadCpuSeconds(scorer.process.pid),
          redisCpu: redisCpuSeconds(redis), stages: scrapeStages(scorer),
        };
        // Awaited after the window; until then a failure must not end the process as unhandled.
        atMeasure.redisCpu.catch(() => undefined);
        atMeasure.stages.catch(() => undefined);
        if (now >= started + 30_000) log('latency warm-up: still behind after 30 s; measuring anyway');
      }
      if (now >= measureFrom + durationMs) break;
      const due = Math.floor(((now - started) / 1000) * perSecond);
      if (due > sent) {
        // Event n was due at started + n / rate.
        const events: { id: string; dueAt: number }[] = [];
        for (; sent < due; sent++) events.push({ id: `lat-${run}-${sent}`, dueAt: started + ((sent + 1) / perSecond) * 1000 });
        const request = send(events).catch((error: unknown) => {
          sendError ??= error;
          return [];
        });
        // send() registers its events before its first await, so they are tracked already.
        (now >= measureFrom ? measured : warmup).push(...events.map(({ id }) => tracked.get(id) as TrackedEvent));
        sending.add(request);
        void request.then(() => sending.delete(request));
      }
      if (sendError !== null) throw sendError;
    }
    await Promise.all(sending);
    if (sendError !== null) throw sendError;
    if (atMeasure === null) throw new Error('the latency phase never started measuring');
    const sendSeconds = (performance.now() - started) / 1000;
    // CPU over the window in which the measured events were sent, per event sent: the few in
    // flight at its start (warm-up's) and at its end (not yet applied) about balance.
    const machineNow = cpuTimes();
    const steal = round(stealShare(atMeasure.machine, machineNow), 3);
    // the share of the machine's two cores that all processes used: near 1, every hop queues
    const machineBusyShare = round(busyShare(atMeasure.machine, machineNow), 3);
    const windowSeconds = (performance.now() - measureFrom) / 1000;
    const perEvent = (seconds: number): number => round((seconds / measured.length) * 1e6, 1);
    const scorerCpuSeconds = processCpuSeconds(scorer.process.pid) - atMeasure.scorerCpu;
    const cpuMicrosPerEvent = {
      scorer: perEvent(scorerCpuSeconds),
      redis: perEvent(await redisCpuSeconds(redis) - await atMeasure.redisCpu),
    };
    // CPU seconds per second of the window: at this phase's rates it barely moves with the rate
    // (0.93–0.98 from 500 to 4,000 events/s on 2026-12-03), so µs per event here is mostly a
    // fixed cost per fetch-and-apply cycle divided by the rate (docs/performance.md).
    const scorerCores = round(scorerCpuSeconds / windowSeconds, 3);
    const scorerThreadMicrosPerEvent = threadMicrosPerEvent(atMeasure.threads, threadCpuSeconds(scorer.process.pid), measured.length);
    const subject = floor ? 'the pass-through' : 'the scorer';
    log(`latency window: the machine's cores ${percent(machineBusyShare)} busy, ${subject} ${scorerCores} of a core; ${subject}'s CPU µs per event by thread ${JSON.stringify(scorerThreadMicrosPerEvent)}`);
    await waitFor('a segment change for every measured event', () => (measured.every((e) => e.receivedAt !== undefined) ? true : undefined), { timeoutMs: 20_000, intervalMs: 100 })
      .catch(() => log(`only ${measured.filter((e) => e.receivedAt !== undefined).length} of ${measured.length} latency events came back within 20 s`));
    const gaveUpAt = performance.now();
    // The scorer's stages observed while the measured events went through: this scrape minus
    // the one at the start of the window (no events are sent after the window). Warm-up events
    // the scorer had not finished by the start are counted too; the row's event count shows it.
    const stagesBefore = await atMeasure.stages;
    const stagesAfter = await scrapeStages(scorer);
    const scorerStages = stagesAfter.size === 0 ? null : new Map([...stagesAfter].map(([stage, buckets]) => [stage, histogramDelta(stagesBefore.get(stage), buckets)]));
    const summary = summarizeLatency(measured, gaveUpAt, measureFrom, scorerStages);
    const note = floor ? 'the pass-through has no stages of its own: only the bench\'s rows' : missingStages(scorerStages);
    for (const line of [...breakdownTable(summary.breakdown), ...(note === null ? [] : [`  (${note})`])]) log(line);
    return {
      ...summary, passThrough: floor, stealShare: steal, machineBusyShare, scorerCores, cpuMicrosPerEvent, scorerThreadMicrosPerEvent, scorerStagesNote: note,
      warmup: { tenantEstablished: established, seconds: round((measureFrom - started) / 1000, 1), ...warmupFigures(warmup) },
      consumedByScorer: await metric(scorer.url, 'bondstream_events_consumed_total'),
      achievedRate: Math.round(sent / sendSeconds),
      lingerMs: args['linger-ms'], fetchWaitMs: args['fetch-wait-ms'],
      mockBroker: mockLatencyNote(args['fetch-wait-ms']),
      batchesDuringPhase: await metric(scorer.url, 'bondstream_batch_duration_seconds_count'),
      // background work in the same process: re-scores after a thresholds refresh (every 10 s)
      thresholdsRefreshes: await metric(scorer.url, 'bondstream_thresholds_refreshes_total'),
      thresholdsRescoredCustomers: await metric(scorer.url, 'bondstream_thresholds_rescored_customers_total'),
      changesRead: collector.lines(),
    };
  } finally {
    await collector.stop();
    await scorer.stop();
  }
}
