#!/usr/bin/env node
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners, type ConsumerRunConfig, type Producer } from 'kafkajs';
import { z } from 'zod';
import { parseCommandLine, parseFlags, UsageError } from '@bondstream/cli-kit';
import { loadPolicy } from '@bondstream/config';
import { decodeJsonInput } from '@bondstream/contracts';
import {
  applyEvents, assignSegments, decodeState, emptyState, encodeState, evaluate, medianProfitTrusted, nextDueMs, pyramidRanksTrusted,
  rfmQuantilesTrusted, toCents, type ModelEvent, type Thresholds,
} from '@bondstream/model';
import { KeySpace, readThresholds, writeCustomers, type CustomerWrite } from '@bondstream/redis-state';
import { startLocalStack, waitFor, type LocalStack } from '@bondstream/testkit';
import { startKcatCollector } from './collector.js';
import { hotSpots, type HotSpot } from './profile.js';
import { runCluster } from './cluster.js';
import { startRoundTripProxy } from './proxy.js';
import {
  drain, log, machineAt, machineInfo, MASTER_CUSTOMERS, MASTER_EVENTS, metric, percent, preload, processCpuSeconds, redisCpuSeconds, redisInfo, root, sleep,
  startScorer, TOPIC_EVENTS, TOPICS, type Scorer,
} from './shared.js';
import { evaluateTargets, percentile, rate, round, TARGETS, type Figures } from './stats.js';
import { cpuTimes, stealShare, type CpuTimes } from './steal.js';
import { renderChart } from './svg.js';

/** Customers in Redis after a drain: the same 23,570 of each copy, under two tenants. */
const LOADED_CUSTOMERS = 2 * MASTER_CUSTOMERS;

const USAGE = `usage: npm run bench [-- options]

Measures, in one run on this machine with a private redis-server and the mock broker, the
figures of DESIGN section 7 and writes bench-results/bench-<time>.json and .svg. The last
stdout line is one JSON object with the figures and a pass/fail per target.

  --latency-seconds <n>   measured length of the steady 2,000 events/s phase (default 20),
                          after its warm-up (README, Performance)
  --latency-rate <n>      events/s of that phase (default 2000)
  --linger-ms <n>         the latency phase sends what became due every n ms (default 5,
                          librdkafka's default linger.ms)
  --fetch-wait-ms <n>     the latency phase's consumers (scorer, kcat reading the output) let
                          a fetch wait at most n ms for data (default 100, the scorer's
                          KAFKA_FETCH_MAX_WAIT_MS default; the patched mock, like a broker,
                          answers a waiting fetch when data arrives)
  --naive-events <n>      events the naive baseline processes (default 20000)
  --cpu-prof              run the scorer under node --cpu-prof; lists its hottest functions
  --only latency          run only the latency phase (on an empty orders topic instead of
                          after the CDNOW_master drain); prints only its figures
  --only throughput       run only the import, the Kafka ceiling and the scorer's drains;
                          prints only eventsPerSecond and ceilingRatio (about 80 s)
  --cluster               instead: one and two scorers on a local Redis Cluster (3 masters, 3 replicas),
                          per process and per master, WAIT 1 vs 0 (DESIGN section 8; about 2 minutes)
  --out <dir>             results folder (default bench-results)
  --help                  this text`;

const argsSchema = z.object({
  'latency-seconds': z.coerce.number({ error: '--latency-seconds must be a number' }).min(3, '--latency-seconds must be ≥ 3').max(600).default(20),
  'latency-rate': z.coerce.number({ error: '--latency-rate must be a number' }).positive('--latency-rate must be > 0').max(50_000).default(2_000),
  'linger-ms': z.coerce.number({ error: '--linger-ms must be a number' }).int('--linger-ms must be whole').min(1, '--linger-ms must be ≥ 1').max(1_000).default(5),
  'fetch-wait-ms': z.coerce.number({ error: '--fetch-wait-ms must be a number' }).int('--fetch-wait-ms must be whole').min(1, '--fetch-wait-ms must be ≥ 1').max(1_000).default(100),
  'naive-events': z.coerce.number({ error: '--naive-events must be a number' }).int().min(1_000, '--naive-events must be ≥ 1000').max(MASTER_EVENTS).default(20_000),
  'cpu-prof': z.boolean().default(false),
  cluster: z.boolean().default(false),
  only: z.enum(['latency', 'throughput'], { error: '--only must be latency or throughput' }).optional(),
  out: z.string().min(1).default(join(root, 'bench-results')),
});
type Args = z.infer<typeof argsSchema>;

/** Node flags for a scorer under --cpu-prof (the throughput and the latency phase's; each thread writes its own profile). */
const profileArgs = (args: Args): string[] => (args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${join(args.out, 'profiles')}`] : []);

/**
 * A fresh consumer group reads the orders topic from the beginning; `count(n)` records n events
 * handled. The rate is timed from the `skip`-th event (0: the first; MASTER_EVENTS: the end of
 * the warm-up copy) to the `target`-th.
 */
async function timedConsume(
  kafka: Kafka,
  group: string,
  skip: number,
  target: number,
  run: (count: (n: number) => void, done: () => boolean) => ConsumerRunConfig,
): Promise<number> {
  const consumer = kafka.consumer({ groupId: `${group}-${randomUUID()}` });
  let count = 0;
  let first = { t: 0, count: 0 };
  let last = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPICS.orders, fromBeginning: true });
    await consumer.run(run((n) => {
      count += n;
      if (first.t === 0 && count >= skip) first = { t: performance.now(), count };
      if (count >= target && last === 0) last = performance.now();
    }, () => last > 0));
    await waitFor(`${group} to handle ${target} events`, () => (last > 0 ? true : undefined), { timeoutMs: 300_000, intervalMs: 20 });
  } finally {
    await consumer.disconnect();
  }
  return rate(count - first.count, last - first.t);
}

/** A kafkajs consumer that only JSON-decodes the messages: the raw Kafka ceiling. */
async function kafkaCeiling(kafka: Kafka): Promise<{ eventsPerSecond: number; batches: number }> {
  let batches = 0;
  const eventsPerSecond = await timedConsume(kafka, 'bench-ceiling', MASTER_EVENTS, TOPIC_EVENTS, (count) => ({
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) JSON.parse((m.value as Buffer).toString('utf8'));
      batches += 1;
      count(batch.messages.length);
    },
  }));
  return { eventsPerSecond, batches };
}

interface ScorerRun {
  eventsPerSecond: number;
  batches: number;
  eventsPerBatch: number;
  commandsPerBatch: number;
  segmentChangesPerEvent: number;
  /** Redis server CPU time over wall time while the scorer drained: near 1 means Redis is the bottleneck */
  redisCpuShare: number;
  redisBytesPerCustomer: number;
  memoryByKeyKind: Record<string, number>;
  usedMemoryBefore: number;
  usedMemoryAfter: number;
  /**
   * CPU time per event while draining, in µs: the scorer process (all its threads: consumer,
   * relay, V8's GC and compiler) and Redis. Less noisy than the rate on a shared machine, so
   * it is what shows whether a change made the pipeline cheaper.
   */
  cpuMicrosPerEvent: { scorer: number; redis: number };
  /** share of the machine's CPU time the hypervisor gave to other guests during the drain (steal.ts) */
  stealShare: number;
}

/**
 * The scorer drains CDNOW_master this many times (from an empty Redis, a new consumer group
 * each time) and the best run counts, as for the Kafka ceiling: on a 2-core machine shared with
 * other tenants the same drain varies by ±25 %, and the slower runs measure the neighbours. Every
 * run is kept in the JSON with its CPU per event.
 */
const SCORER_RUNS = 3;

/** Bytes per kind of key (state c, dedupe d, indexes ix, outbox, segment counts, ...) by MEMORY USAGE. */
async function memoryByKeyKind(redis: Redis, namespace: string): Promise<Record<string, number>> {
  const kinds: Record<string, number> = {};
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    const sizes = (await pipeline.exec()) ?? [];
    keys.forEach((key, i) => {
      const kind = /^[^:]+:\{s\d+\}:([a-z-]+)/.exec(key)?.[1] ?? 'other';
      kinds[kind] = (kinds[kind] ?? 0) + Number(sizes[i]?.[1] ?? 0);
    });
  } while (cursor !== '0');
  return Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, Math.round(v / LOADED_CUSTOMERS)]));
}

/**
 * Phase 1: one scorer drains the preloaded topic; throughput, batches, commands, memory per
 * customer. It is stopped afterwards (so a --cpu-prof profile covers this phase only).
 */
async function scorerThroughput(stack: LocalStack, redis: Redis, args: Args, runIndex: number): Promise<ScorerRun> {
  await redis.flushall();
  const usedMemoryBefore = Number((await redisInfo(redis, 'memory')).used_memory);
  const commandsBefore = Number((await redisInfo(redis, 'stats')).total_commands_processed);
  const scorer = await startScorer(stack, `scorer-throughput-${runIndex + 1}`, { REDIS_NAMESPACE: 'bench', KAFKA_GROUP_ID: `bench-scorer-${runIndex + 1}` }, args.out,
    profileArgs(args));
  try {
    const { eventsPerSecond, first, last } = await drain(scorer, async () => {
      const machine = cpuTimes();
      return { redisCpu: await redisCpuSeconds(redis), scorerCpu: processCpuSeconds(scorer.process.pid), ...machine };
    });
    const steal = round(stealShare(machineAt(first), machineAt(last)), 3);
    const redisCpuShare = round(((last.extra.redisCpu as number) - (first.extra.redisCpu as number)) / ((last.t - first.t) / 1000), 2);
    const perEvent = (key: string): number => round((((last.extra[key] as number) - (first.extra[key] as number)) / (last.n - first.n)) * 1e6, 1);
    const cpuMicrosPerEvent = { scorer: perEvent('scorerCpu'), redis: perEvent('redisCpu') };
    const batches = await metric(scorer.url, 'bondstream_batch_duration_seconds_count');
    const commands = Number((await redisInfo(redis, 'stats')).total_commands_processed) - commandsBefore;
    let changes = 0;
    await waitFor('every segment change published from the outbox', async () => {
      const [written, published] = await Promise.all([metric(scorer.url, 'bondstream_segment_changes_total'), metric(scorer.url, 'bondstream_outbox_published_total')]);
      changes = written;
      return published >= written ? true : undefined;
    }, { timeoutMs: 120_000, intervalMs: 100 });
    const usedMemoryAfter = Number((await redisInfo(redis, 'memory')).used_memory);
    return {
      eventsPerSecond, batches, eventsPerBatch: round(TOPIC_EVENTS / batches, 1), commandsPerBatch: round(commands / batches, 1),
      segmentChangesPerEvent: round(changes / TOPIC_EVENTS, 3), redisCpuShare, cpuMicrosPerEvent, stealShare: steal,
      usedMemoryBefore, usedMemoryAfter, redisBytesPerCustomer: Math.round((usedMemoryAfter - usedMemoryBefore) / LOADED_CUSTOMERS),
      memoryByKeyKind: await memoryByKeyKind(redis, 'bench'),
    };
  } finally {
    await scorer.stop();
  }
}

const LATENCY_TENANT = 'latency';

/** Printed with the latency figures and kept in the JSON: which broker they were measured on. */
const mockLatencyNote = (fetchWaitMs: number): string => `mock broker: librdkafka 2.0.2's mock cluster with the project's patch `
  + '(README, "Local Kafka"): a fetch gets every produced set that fits and a waiting fetch is answered when data arrives, as on a '
  + `broker; the scorer and the kcat collector fetch with a ${fetchWaitMs} ms wait (--fetch-wait-ms)`;

/** The latency phase's summary line (stderr). */
const latencyLine = (lat: { p50: number; p99: number; produceToEmittedP50: number; produceToEmittedP99: number; warmup: { seconds: number }; stealShare: number }): string =>
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
async function latency(stack: LocalStack, redis: Redis, producer: Producer, args: Args) {
  // Same group and namespace as phase 1: it continues from the committed end of CDNOW_master.
  const scorer = await startScorer(stack, 'scorer-latency', {
    REDIS_NAMESPACE: 'bench', KAFKA_GROUP_ID: 'bench-scorer', KAFKA_FETCH_MAX_WAIT_MS: String(args['fetch-wait-ms']),
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

/**
 * Phase 3: a second scorer behind a counting proxy: Redis round trips per consumed batch, on the
 * scorer's batch connection (it names its connections; the other one carries its timers: relay,
 * clock, thresholds, back-pressure, whose round trips follow the clock, not the batches). Both
 * counts are reported.
 */
async function roundTrips(stack: LocalStack, args: Args) {
  const proxy = await startRoundTripProxy(stack.redis.port);
  const scorer = await startScorer(stack, 'scorer-round-trips', {
    REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REDIS_NAMESPACE: 'rt', KAFKA_GROUP_ID: 'bench-round-trips',
  }, args.out);
  try {
    const { first, last } = await drain(scorer, async () => ({
      trips: proxy.roundTrips(BATCH_CONNECTION), all: proxy.roundTrips(), batches: await metric(scorer.url, 'bondstream_batch_duration_seconds_count'),
    }));
    const trips = (last.extra.trips as number) - (first.extra.trips as number);
    const all = (last.extra.all as number) - (first.extra.all as number);
    const batches = (last.extra.batches as number) - (first.extra.batches as number);
    if (trips === 0) throw new Error(`no round trips seen on the scorer's ${BATCH_CONNECTION} connection`);
    return {
      roundTripsPerBatch: round(trips / batches, 2), allConnectionsPerBatch: round(all / batches, 2),
      trips, batches, eventsPerBatch: round((last.n - first.n) / batches, 1),
    };
  } finally {
    await scorer.stop();
    await proxy.close();
  }
}

const BATCH_CONNECTION = 'bondstream-scorer-batches';

/** Phase 4: the scorer's own atomic per-customer step (writeCustomers) alone, with synthetic one-event writes. */
async function redisCeiling(redisUrl: string, changesPerEvent: number) {
  const redis = new Redis(redisUrl);
  try {
    const policy = loadPolicy(null);
    const keyspace = new KeySpace('rceil');
    const nowMs = Date.parse('1998-06-30T00:00:00Z');
    const build = (prefix: string, n: number): CustomerWrite[] => Array.from({ length: n }, (_, i) => {
      const ref = { tenantId: 'default', customerId: `${prefix}-${i}` };
      const event: ModelEvent = { eventId: `${prefix}-e-${i}`, type: 'order.placed', occurredAtMs: nowMs - (i % 500) * 86_400_000, amountCents: 1_177 + (i % 9_000) };
      const applied = applyEvents(emptyState(), [event], nowMs, policy);
      const evaluation = evaluate(applied, nowMs, null, policy);
      const { state, changes, heldUntilMs } = assignSegments(applied, evaluation, nowMs, policy);
      return {
        stored: { ref, keys: keyspace.customer(ref), version: 0, state: null, alreadyApplied: new Set<string>(), dueAtMs: null, ledger: new Map(), ledgerKeys: new Map() },
        state, appliedEventIds: [event.eventId], index: evaluation.index,
        dueAtMs: nextDueMs(state, nowMs, null, policy, heldUntilMs),
        // as many segment changes per write as the scorer wrote per event on CDNOW_master
        outbox: changes.slice(0, Math.min(changes.length, Math.floor((i + 1) * changesPerEvent) - Math.floor(i * changesPerEvent))).map((c) => ({
          fromKey: null, toKey: `${c.dimension}:${c.to}`,
          // the size and shape of a stored segment change (DESIGN section 3)
          event: JSON.stringify({ eventId: randomUUID(), tenantId: ref.tenantId, customerId: ref.customerId, dimension: c.dimension, from: null, to: c.to, occurredAt: new Date(event.occurredAtMs).toISOString(), cause: { kind: 'event', eventId: event.eventId }, scores: evaluation.scores, stateVersion: 1 }),
        })),
      };
    });
    const configs = [{ depth: 32, inFlight: 4 }, { depth: 256, inFlight: 2 }, { depth: 1_000, inFlight: 1 }];
    const results: { depth: number; inFlight: number; eventsPerSecond: number; redisCpuShare: number }[] = [];
    for (const [k, { depth, inFlight }] of configs.entries()) {
      const writes = build(`rc${k}`, 20_000);
      await writeCustomers(redis, writes.slice(0, 10), { wallNowMs: Date.now(), dedupeRetentionMs: 8 * 86_400_000 }); // loads the scripts
      const rest = writes.slice(10);
      const cpuBefore = await redisCpuSeconds(redis);
      const started = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: inFlight }, async () => {
        while (next < rest.length) {
          const chunk = rest.slice(next, next + depth);
          next += depth;
          const result = await writeCustomers(redis, chunk, { wallNowMs: Date.now(), dedupeRetentionMs: 8 * 86_400_000 });
          if (result.conflicts.length > 0) throw new Error('synthetic customers conflicted');
        }
      }));
      const ms = performance.now() - started;
      results.push({ depth, inFlight, eventsPerSecond: rate(rest.length, ms), redisCpuShare: round((await redisCpuSeconds(redis) - cpuBefore) / (ms / 1000), 2) });
    }
    return { eventsPerSecond: Math.max(...results.map((r) => r.eventsPerSecond)), configs: results };
  } finally {
    redis.disconnect();
  }
}

/** Phase 5: the naive baseline: per event GET the state, apply, SET it back; no batching, no pipelining. */
async function naive(kafka: Kafka, redisUrl: string, events: number): Promise<number> {
  const redis = new Redis(redisUrl);
  const policy = loadPolicy(null);
  try {
    return await timedConsume(kafka, 'bench-naive', 0, events, (count, done) => ({
      eachMessage: async ({ message }) => {
        if (done()) return;
        const decoded = decodeJsonInput(message.value as Buffer);
        if (!decoded.ok || decoded.event.type === 'interaction') throw new Error('unexpected message in the orders topic');
        const e = decoded.event;
        const key = `naive:{${e.tenantId}:${e.customerId}}`;
        const stored = await redis.get(key);
        const occurredAtMs = Date.parse(e.occurredAt);
        const updated = applyEvents(stored === null ? emptyState() : decodeState(stored), [
          { eventId: e.eventId, type: e.type, occurredAtMs, amountCents: toCents(e.amount) },
        ], occurredAtMs, policy);
        const { state } = assignSegments(updated, evaluate(updated, occurredAtMs, null, policy), occurredAtMs, policy);
        await redis.set(key, encodeState(state));
        count(1);
      },
    }));
  } finally {
    redis.disconnect();
  }
}

/** Prints each target's verdict, then the figures with pass/fail as one JSON line (the last line). */
function printVerdicts(figures: Partial<Figures>, targets: Record<string, { value: number; pass: boolean }>): void {
  for (const t of TARGETS) {
    const v = targets[t.figure];
    if (v === undefined) continue;
    process.stdout.write(`${v.pass ? 'PASS' : 'FAIL'}  ${t.figure.padEnd(24)} ${String(v.value).padStart(10)}  (${t.kind === 'min' ? '≥' : '≤'} ${t.limit}: ${t.what})\n`);
  }
}

/** `--only latency`: the latency phase alone, on an empty orders topic. */
async function latencyOnly(stack: LocalStack, redis: Redis, producer: Producer, args: Args, startedAt: Date, load: number[], machineAtStart: CpuTimes): Promise<void> {
  log(`latency at ${args['latency-rate']}/s for ${args['latency-seconds']} s (only this phase)`);
  const lat = await latency(stack, redis, producer, args);
  log(`${latencyLine(lat)}; steps ${JSON.stringify(lat.steps)}`);
  log(lat.mockBroker);
  writeOnePhase('latency', { latencyP50Ms: lat.p50, latencyP99Ms: lat.p99 }, { latency: lat },
    { latencyRate: args['latency-rate'], latencySeconds: args['latency-seconds'], lingerMs: args['linger-ms'], fetchWaitMs: args['fetch-wait-ms'] },
    args, startedAt, load, machineAtStart);
}

/** The results of an `--only` run: its figures with their verdicts, a JSON file, the JSON line last. */

function writeOnePhase(
  phase: 'latency' | 'throughput', figures: Partial<Figures>, details: Record<string, unknown>, parameters: Record<string, unknown>,
  args: Args, startedAt: Date, load: number[], machineAtStart: CpuTimes,
): void {
  const targets = evaluateTargets(figures as Figures, TARGETS.filter((t) => t.figure in figures));
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const jsonFile = join(args.out, `bench-${phase}-${stamp}.json`);
  writeFileSync(jsonFile, `${JSON.stringify({
    startedAt: startedAt.toISOString(),
    machine: machineInfo(load, machineAtStart),
    parameters: { only: phase, ...parameters },
    figures, targets, details,
  }, null, 2)}\n`);
  printVerdicts(figures, targets);
  process.stdout.write(`results: ${jsonFile}\n`);
  process.stdout.write(`${JSON.stringify({ ...figures, targets: Object.fromEntries(Object.entries(targets).map(([k, v]) => [k, v.pass])) })}\n`);
}

async function run(args: Args): Promise<void> {
  const startedAt = new Date();
  const load = loadavg();
  const machineAtStart = cpuTimes();
  mkdirSync(args.out, { recursive: true });
  log(`starting redis-server and the mock broker (load average ${load.map((l) => l.toFixed(2)).join(' ')})`);
  const stack = await startLocalStack();
  const kafka = new Kafka({ brokers: [stack.kafka.brokers], clientId: 'bench', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: false, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const redis = new Redis(stack.redis.url);
  try {
    await producer.connect();
    if (args.only === 'latency') {
      await latencyOnly(stack, redis, producer, args, startedAt, load, machineAtStart);
      return;
    }
    log('importing CDNOW_master.txt into crm.orders.v1');
    const imported = await preload(producer);
    log(`imported ${imported.events} events at ${imported.eventsPerSecond}/s; Kafka ceiling (3 runs)`);
    const ceilingRuns: { eventsPerSecond: number; batches: number }[] = [];
    for (let i = 0; i < 3; i++) ceilingRuns.push(await kafkaCeiling(kafka));
    // A ceiling is the best the client managed: the slower runs lost time to the other tenants of this CPU.
    const ceiling = Math.max(...ceilingRuns.map((r) => r.eventsPerSecond));
    log(`Kafka ceiling runs ${ceilingRuns.map((r) => `${r.eventsPerSecond}/s in ${r.batches} batches`).join(', ')}; scorer throughput`);
    const throughputRuns: ScorerRun[] = [];
    for (let i = 0; i < SCORER_RUNS; i++) {
      const runResult = await scorerThroughput(stack, redis, args, i);
      throughputRuns.push(runResult);
      log(`scorer run ${i + 1}: ${runResult.eventsPerSecond} events/s, CPU per event ${runResult.cpuMicrosPerEvent.scorer} µs scorer + ${runResult.cpuMicrosPerEvent.redis} µs Redis, steal ${percent(runResult.stealShare)}`);
    }
    const throughput = throughputRuns.reduce((best, r) => (r.eventsPerSecond > best.eventsPerSecond ? r : best));
    log(`scorer ${throughput.eventsPerSecond} events/s (best of ${SCORER_RUNS}), ${throughput.eventsPerBatch} events/batch, Redis CPU share ${throughput.redisCpuShare}, ${throughput.redisBytesPerCustomer} bytes/customer`);
    const scorerRuns = throughputRuns.map(({ eventsPerSecond, batches, cpuMicrosPerEvent, redisCpuShare, stealShare: steal }) => ({ eventsPerSecond, batches, cpuMicrosPerEvent, redisCpuShare, stealShare: steal }));
    if (args.only === 'throughput') {
      writeOnePhase('throughput', {
        eventsPerSecond: throughput.eventsPerSecond, ceilingEventsPerSecond: ceiling, ceilingRatio: round(throughput.eventsPerSecond / ceiling, 3),
      }, { import: imported, kafkaCeilingRuns: ceilingRuns, scorer: throughput, scorerRuns }, { dataset: 'CDNOW_master.txt' }, args, startedAt, load, machineAtStart);
      return;
    }
    log('round trips per batch');
    const trips = await roundTrips(stack, args);
    log(`${trips.roundTripsPerBatch} round trips per batch (${trips.eventsPerBatch} events/batch); latency at ${args['latency-rate']}/s for ${args['latency-seconds']} s`);
    const lat = await latency(stack, redis, producer, args);
    log(latencyLine(lat));
    log(lat.mockBroker);
    log('Redis ceiling');
    const rceil = await redisCeiling(stack.redis.url, throughput.segmentChangesPerEvent);
    log(`Redis ceiling ${rceil.eventsPerSecond} events/s; naive baseline (${args['naive-events']} events)`);
    const naiveRate = await naive(kafka, stack.redis.url, args['naive-events']);
    log('done');

    const figures: Figures = {
      eventsPerSecond: throughput.eventsPerSecond,
      ceilingEventsPerSecond: ceiling,
      ceilingRatio: round(throughput.eventsPerSecond / ceiling, 3),
      redisCeilingEventsPerSecond: rceil.eventsPerSecond,
      redisCeilingRatio: round(throughput.eventsPerSecond / rceil.eventsPerSecond, 3),
      naiveEventsPerSecond: naiveRate,
      naiveSpeedup: round(throughput.eventsPerSecond / naiveRate, 2),
      latencyP50Ms: lat.p50,
      latencyP99Ms: lat.p99,
      redisBytesPerCustomer: throughput.redisBytesPerCustomer,
      redisRoundTripsPerBatch: trips.roundTripsPerBatch,
    };
    const targets = evaluateTargets(figures);
    let profile: { file: string; totalMs: number; functions: HotSpot[]; places: HotSpot[] } | undefined;
    if (args['cpu-prof']) {
      const dir = join(args.out, 'profiles');
      const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().at(-1);
      if (file) profile = { file: join(dir, file), ...hotSpots(join(dir, file)) };
    }
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    const result = {
      startedAt: startedAt.toISOString(),
      machine: machineInfo(load, machineAtStart),
      parameters: { latencyRate: args['latency-rate'], latencySeconds: args['latency-seconds'], lingerMs: args['linger-ms'], fetchWaitMs: args['fetch-wait-ms'], naiveEvents: args['naive-events'], dataset: 'CDNOW_master.txt' },
      figures,
      targets,
      details: {
        import: imported,
        kafkaCeilingRuns: ceilingRuns,
        scorer: throughput,
        scorerRuns,
        latency: lat,
        roundTrips: trips,
        redisCeiling: rceil,
      },
      ...(profile ? { profile } : {}),
    };
    const jsonFile = join(args.out, `bench-${stamp}.json`);
    const svgFile = join(args.out, `bench-${stamp}.svg`);
    writeFileSync(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(svgFile, renderChart(figures, `bondstream bench ${startedAt.toISOString()} (${cpus().length} cores)`));
    printVerdicts(figures, targets);
    if (profile) {
      process.stdout.write(`scorer CPU profile (${profile.file}, ${profile.totalMs} ms sampled), top self time:\n`);
      for (const h of profile.functions) process.stdout.write(`  ${String(h.percent).padStart(5)}%  ${h.name}\n`);
    }
    process.stdout.write(`results: ${jsonFile}\nchart: ${svgFile}\n`);
    process.stdout.write(`${JSON.stringify({ ...figures, targets: Object.fromEntries(Object.entries(targets).map(([k, v]) => [k, v.pass])) })}\n`);
  } finally {
    await producer.disconnect().catch(() => undefined);
    redis.disconnect();
    await stack.stop();
  }
}

async function main(): Promise<number> {
  const options = parseCommandLine('bench', USAGE, () => {
    const values = parseFlags(process.argv.slice(2), {
      'latency-seconds': { type: 'string' }, 'latency-rate': { type: 'string' }, 'linger-ms': { type: 'string' }, 'fetch-wait-ms': { type: 'string' },
      'naive-events': { type: 'string' },
      'cpu-prof': { type: 'boolean' }, cluster: { type: 'boolean' }, only: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    });
    if (values.help) return 'help';
    const parsed = argsSchema.safeParse(values);
    if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
    return { ...parsed.data, out: resolve(parsed.data.out) };
  }, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
  if ('exitCode' in options) return options.exitCode;
  await (options.cluster ? runCluster(options.out) : run(options));
  return 0;
}

main().then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
