#!/usr/bin/env node
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { parseCommandLine, parseFlags, UsageError } from '@bondstream/cli-kit';
import { startLocalStack, type LocalStack } from '@bondstream/testkit';
import { naive, redisCeiling } from './baselines.js';
import { hotSpots, type HotSpot } from './profile.js';
import { runCluster } from './cluster.js';
import { latency, latencyLine } from './latency.js';
import { lifetimeFitCost } from './lifetime-fit.js';
import { argsSchema, log, machineInfo, percent, preload, type Args } from './shared.js';
import { evaluateTargets, round, TARGETS, type Figures } from './stats.js';
import { cpuTimes, type CpuTimes } from './steal.js';
import { renderChart } from './svg.js';
import { kafkaCeiling, roundTrips, SCORER_RUNS, scorerThroughput, type ScorerRun } from './throughput.js';

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
  --only lifetime-fit     the cost of one lifetime-model refit for a synthetic tenant of
                          1,000,000 customers (cells written, read, sampled, both fits)
  --cluster               instead: one and two scorers on a local Redis Cluster (3 masters, 3 replicas),
                          per process and per master, WAIT 1 vs 0 (DESIGN section 8; about 2 minutes)
  --out <dir>             results folder (default bench-results)
  --help                  this text`;
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
  phase: 'latency' | 'throughput' | 'lifetime-fit', figures: Partial<Figures>, details: Record<string, unknown>, parameters: Record<string, unknown>,
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
    if (args.only === 'lifetime-fit') {
      log('lifetime model refit of a synthetic 1,000,000-customer tenant');
      const cost = await lifetimeFitCost(redis);
      log(`lifetime refit: ${JSON.stringify(cost)}`);
      writeOnePhase('lifetime-fit', {}, { lifetimeFit: cost }, { customers: cost.customers }, args, startedAt, load, machineAtStart);
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
    log(`scorer ${throughput.eventsPerSecond} events/s (best of ${SCORER_RUNS}), ${throughput.eventsPerBatch} events/batch, Redis CPU share ${throughput.redisCpuShare}, ${throughput.redisBytesPerCustomer} bytes/customer (history ${throughput.historyBytesPerCustomer}, state ${throughput.stateBytesPerCustomer.stored}, as version 1 ${throughput.stateBytesPerCustomer.v1})`);
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
