#!/usr/bin/env node
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { parseCommandLine, parseFlags, UsageError } from '@bondstream/cli-kit';
import { startLocalStack } from '@bondstream/testkit';
import { runCluster } from './cluster.js';
import { lifetimeFitCost } from './lifetime-fit.js';
import { baselinesPhase, consolePhase, latencyFloorPhase, latencyPhase, roundTripsPhase, throughputPhase, type BenchContext } from './phases.js';
import { writeReport, type RunStart } from './report.js';
import { argsSchema, log, type Args } from './shared.js';
import type { Figures } from './stats.js';
import { cpuTimes } from './steal.js';

const USAGE = `usage: npm run bench [-- options]

Measures, in one run on this machine with a private redis-server and the mock broker, the
figures of DESIGN section 7 and the console's first render (issue 16), and writes
bench-results/bench-<time>.json and .svg. The last stdout line is one JSON object: the
figures, stealShare (the hypervisor's share of the CPU in each phase) and targets (per target
true or false, or null when the figure is a rate or a latency from a phase with more than 5 %
steal: not comparable, and its verdict line says so).
CPU per event (scorerCpuMicrosPerEvent, redisCpuMicrosPerEvent: the median of the drains) is
judged whatever the steal.

Latency counts from the producer.send call that carries an event to the kcat collector
reading its first segment change, not from when the event became due on the bench's send
schedule (every --linger-ms): that wait is the producer client's linger, a platform setting
outside the pipeline. It is reported on its own (due → send, p50/p99), and the latency from due
as latencyFromDueP50Ms/latencyFromDueP99Ms, what figures before issue 17 counted. The latency
phase prints a breakdown on stderr (produce acked, consumed, written to Redis, emittedAt, the
output message's timestamp, published, delivered: p50/p99 since the send); the scorer's stages
come from its bondstream_event_latency_seconds histogram and are left out when it has none.

  --latency-seconds <n>   measured length of the steady 2,000 events/s phase (default 20),
                          after its warm-up (README, Performance)
  --latency-rate <n>      events/s of that phase (default 2000)
  --linger-ms <n>         the latency phase sends what became due every n ms (default 5,
                          librdkafka's default linger.ms); not counted in the latency
  --fetch-wait-ms <n>     the latency phase's consumers (scorer, kcat reading the output) let
                          a fetch wait at most n ms for data (default 100, the scorer's
                          KAFKA_FETCH_MAX_WAIT_MS default; the patched mock, like a broker,
                          answers a waiting fetch when data arrives)
  --naive-events <n>      events the naive baseline processes (default 20000)
  --cpu-prof              run the scorer under node --cpu-prof; lists its hottest functions
  --only latency          run only the latency phase (on an empty orders topic instead of
                          after the CDNOW_master drain); prints only its figures
  --only latency-floor    the latency phase with a bare kafkajs pass-through (consume,
                          produce 3 changes an event, commit; no Redis, no scoring) in the
                          scorer's place: the floor the Kafka client and this machine leave
                          under the latency targets (floorLatencyP50Ms, floorLatencyP99Ms,
                          floorCpuMicrosPerEvent; reported, not judged)
  --only throughput       run only the import, the Kafka ceiling and the scorer's drains;
                          prints only their figures (about 80 s)
  --only lifetime-fit     the cost of one lifetime-model refit for a synthetic tenant of
                          1,000,000 customers (cells written, read, sampled, both fits)
  --only console          the console's first render: a scorer and an api, 200 simulated
                          shoppers, 5 cold loads in headless chromium (also part of a full run)
  --cluster               instead: one and two scorers on a local Redis Cluster (3 masters, 3 replicas),
                          per process and per master, WAIT 1 vs 0 (DESIGN section 8; about 2 minutes)
  --out <dir>             results folder (default bench-results)
  --help                  this text`;

/**
 * One bench run: the phases in order (phases.ts), each on the same private stack and orders
 * topic. The drains come first, so the latency phase then runs on a topic and a Redis that hold
 * CDNOW_master, as a real one would hold history.
 */
async function run(args: Args): Promise<void> {
  const started: RunStart = { startedAt: new Date(), load: loadavg(), machineAtStart: cpuTimes() };
  mkdirSync(args.out, { recursive: true });
  log(`starting redis-server and the mock broker (load average ${started.load.map((l) => l.toFixed(2)).join(' ')})`);
  const stack = await startLocalStack();
  const kafka = new Kafka({ brokers: [stack.kafka.brokers], clientId: 'bench', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: false, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const redis = new Redis(stack.redis.url);
  const ctx: BenchContext = { stack, kafka, producer, redis, args };
  try {
    await producer.connect();
    if (args.only === 'lifetime-fit') {
      log('lifetime model refit of a synthetic 1,000,000-customer tenant');
      const cost = await lifetimeFitCost(redis);
      log(`lifetime refit: ${JSON.stringify(cost)}`);
      writeReport({ phase: 'lifetime-fit', figures: {}, steal: {}, stealShare: {}, parameters: { customers: cost.customers }, details: { lifetimeFit: cost } }, args, started);
      return;
    }
    if (args.only === 'latency-floor') {
      const floor = await latencyFloorPhase(ctx);
      writeReport({
        phase: 'latency-floor', figures: floor.figures, steal: {}, stealShare: floor.phaseSteal, parameters: latencyParameters(args), details: floor.details,
      }, args, started);
      return;
    }
    if (args.only === 'console') {
      const page = await consolePhase(ctx);
      writeReport({ phase: 'console', figures: page.figures, steal: page.steal, stealShare: page.phaseSteal, parameters: {}, details: page.details }, args, started);
      return;
    }
    if (args.only === 'latency') {
      const lat = await latencyPhase(ctx);
      writeReport({
        phase: 'latency', figures: lat.figures, steal: lat.steal, stealShare: lat.phaseSteal, parameters: latencyParameters(args), details: lat.details,
      }, args, started);
      return;
    }
    const throughput = await throughputPhase(ctx);
    if (args.only === 'throughput') {
      writeReport({
        phase: 'throughput', figures: throughput.figures, steal: throughput.steal, stealShare: throughput.phaseSteal,
        parameters: { dataset: 'CDNOW_master.txt' }, details: throughput.details,
      }, args, started);
      return;
    }
    const trips = await roundTripsPhase(ctx);
    const lat = await latencyPhase(ctx);
    const baselines = await baselinesPhase(ctx, throughput.best);
    const page = await consolePhase(ctx);
    log('done');
    const t = throughput.figures;
    const b = baselines.figures;
    const figures: Figures = {
      scorerCpuMicrosPerEvent: t.scorerCpuMicrosPerEvent, redisCpuMicrosPerEvent: t.redisCpuMicrosPerEvent,
      eventsPerSecond: t.eventsPerSecond, ceilingEventsPerSecond: t.ceilingEventsPerSecond, ceilingRatio: t.ceilingRatio,
      redisCeilingEventsPerSecond: b.redisCeilingEventsPerSecond, redisCeilingRatio: b.redisCeilingRatio,
      naiveEventsPerSecond: b.naiveEventsPerSecond, naiveSpeedup: b.naiveSpeedup,
      ...lat.figures, redisBytesPerCustomer: t.redisBytesPerCustomer, ...trips.figures, ...page.figures,
    };
    writeReport({
      phase: 'full', figures,
      steal: { ...throughput.steal, ...lat.steal, ...baselines.steal, ...page.steal },
      stealShare: { ...throughput.phaseSteal, ...lat.phaseSteal, ...baselines.phaseSteal, ...page.phaseSteal },
      parameters: { ...latencyParameters(args), naiveEvents: args['naive-events'], dataset: 'CDNOW_master.txt' },
      details: { ...throughput.details, ...lat.details, ...trips.details, ...baselines.details, ...page.details },
    }, args, started);
  } finally {
    await producer.disconnect().catch(() => undefined);
    redis.disconnect();
    await stack.stop();
  }
}

const latencyParameters = (args: Args) => ({ latencyRate: args['latency-rate'], latencySeconds: args['latency-seconds'], lingerMs: args['linger-ms'], fetchWaitMs: args['fetch-wait-ms'] });

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
