/**
 * What the bench's phases share (main.ts, throughput.ts, latency.ts, baselines.ts, and cluster.ts
 * for `--cluster`): the flags, the dataset and its preload, the scorer as a process, its /metrics,
 * a timed drain, a timed consumer group, CPU readings from /proc and Redis INFO, the machine's
 * steal, and the log.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import type { ConsumerRunConfig, Kafka } from 'kafkajs';
import { z } from 'zod';
import { DEFAULT_TOPICS } from '@bondstream/contracts';
import { importFile, type OrderProducer } from '@bondstream/importer';
import { freePort, spawnTracked, stopProcess, waitFor } from '@bondstream/testkit';
import { rate, round } from './stats.js';
import { cpuTimes, stealShare, type CpuTimes } from './steal.js';
import { SCORER_HEAP_FLAGS } from './scorer-flags.js';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
const DATASETS = resolve(root, '../shared/datasets');
const MASTER = join(DATASETS, 'CDNOW_master.txt');
export const MASTER_EVENTS = 69_659;
export const MASTER_CUSTOMERS = 23_570;
/**
 * The orders topic holds CDNOW_master twice: first as a warm-up tenant, then as the measured
 * one. Every drain (the scorer's and the Kafka ceiling's) is timed over the second copy only,
 * once V8 has compiled the hot code: a scorer runs for days, and a 3 s drain from a cold
 * start measured V8's warm-up as much as the scorer (README, Performance).
 */
const WARMUP_TENANT = 'warmup';
export const TOPIC_EVENTS = 2 * MASTER_EVENTS;
/** events per produce request of the preload: ~5,000 per partition, ~1 MiB (an event is ~190 bytes) */
const PRELOAD_SET = 20_000;
export const TOPICS = DEFAULT_TOPICS;

const t0 = performance.now();
export const log = (text: string): void => void process.stderr.write(`bench [${((performance.now() - t0) / 1000).toFixed(1)} s]: ${text}\n`);
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;

/** The flags main.ts parses (its USAGE describes them); each phase reads its own from Args. */
export const argsSchema = z.object({
  'latency-seconds': z.coerce.number({ error: '--latency-seconds must be a number' }).min(3, '--latency-seconds must be ≥ 3').max(600).default(20),
  'latency-rate': z.coerce.number({ error: '--latency-rate must be a number' }).positive('--latency-rate must be > 0').max(50_000).default(2_000),
  'linger-ms': z.coerce.number({ error: '--linger-ms must be a number' }).int('--linger-ms must be whole').min(1, '--linger-ms must be ≥ 1').max(1_000).default(5),
  'fetch-wait-ms': z.coerce.number({ error: '--fetch-wait-ms must be a number' }).int('--fetch-wait-ms must be whole').min(1, '--fetch-wait-ms must be ≥ 1').max(1_000).default(100),
  'naive-events': z.coerce.number({ error: '--naive-events must be a number' }).int().min(1_000, '--naive-events must be ≥ 1000').max(MASTER_EVENTS).default(20_000),
  'cpu-prof': z.boolean().default(false),
  cluster: z.boolean().default(false),
  only: z.enum(['latency', 'latency-floor', 'throughput', 'lifetime-fit', 'console'], { error: '--only must be latency, latency-floor, throughput, lifetime-fit or console' }).optional(),
  out: z.string().min(1).default(join(root, 'bench-results')),
});
export type Args = z.infer<typeof argsSchema>;

/**
 * The scorer's node options: its heap sizes as deployed, `--cpu-prof` when asked
 * (each thread writes its own profile), and BENCH_SCORER_NODE_ARGS (space separated, e.g.
 * "--max-semi-space-size=16" to compare with V8's default) for trying V8 settings without a
 * code change.
 */
export const profileArgs = (args: Args): string[] => [
  // as the scorer's Dockerfile and `npm start` run it (a later BENCH_SCORER_NODE_ARGS value wins)
  ...SCORER_HEAP_FLAGS,
  ...(process.env.BENCH_SCORER_NODE_ARGS?.split(' ').filter((a) => a !== '') ?? []),
  ...(args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${join(args.out, 'profiles')}`] : []),
];

export interface Scorer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** What a scorer runs on: the mock broker and one Redis (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES). */
export interface ScorerStack {
  kafka: { brokers: string };
  redis?: { url: string };
  cluster?: { seeds: string };
}

/**
 * The built scorer as a process, configured like the end-to-end tests (mock broker: not
 * idempotent). Ready means it joined its consumer group: on the mock a join round with a second
 * member takes about 25 s, hence `readyTimeoutMs`.
 */
export async function startScorer(
  stack: ScorerStack, name: string, env: Record<string, string>, out: string, nodeArgs: string[] = [], readyTimeoutMs = 60_000,
  /** the process to run: the scorer, or in its place the latency floor's pass-through (passthrough.ts); the console phase runs the api with it too */
  script = join(root, 'services/scorer/dist/main.js'),
): Promise<Scorer> {
  const port = await freePort();
  mkdirSync(join(out, 'logs'), { recursive: true });
  const logFile = createWriteStream(join(out, 'logs', `${name}.log`));
  const child = spawnTracked(process.execPath, [...nodeArgs, script], {
    PATH: process.env.PATH,
    KAFKA_BROKERS: stack.kafka.brokers,
    KAFKA_IDEMPOTENT: 'false',
    ...(stack.cluster ? { REDIS_CLUSTER_NODES: stack.cluster.seeds } : { REDIS_URL: stack.redis?.url }),
    HTTP_PORT: String(port),
    LOG_LEVEL: 'warn',
    CRM_CLOCK: 'event',
    // The interactions partitions carry no data: they hold the watermark for the idle time,
    // which would leave the clock's catch-up until long after a drain.
    CRM_IDLE_PARTITION_SECONDS: '1',
    ...env,
    // for experiments: BENCH_SCORER_ENV="OUTBOX_RELAY_GRACE_MS=0 …" overrides any of the above
    ...Object.fromEntries((process.env.BENCH_SCORER_ENV ?? '').split(' ').filter((kv) => kv.includes('=')).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
  });
  child.stdout?.pipe(logFile);
  child.stderr?.pipe(logFile);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${name} /readyz`, async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} (see ${out}/logs/${name}.log)`);
      const response = await fetch(`${url}/readyz`).catch(() => null);
      return response?.status === 200 ? true : undefined;
    }, { timeoutMs: readyTimeoutMs, intervalMs: 100 });
  } catch (error) {
    await stopProcess(child, 5_000);
    throw error;
  }
  return { url, process: child, stop: () => stopProcess(child, 20_000) };
}

/** A scorer's /metrics page (Prometheus text format). */
export const metricsText = async (url: string): Promise<string> => (await fetch(`${url}/metrics`)).text();

/** Sum of a metric's samples whose labels include `labels`. */
export async function metric(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await metricsText(url);
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

export async function redisInfo(redis: Redis, section: string): Promise<Record<string, string>> {
  const text = await redis.info(section);
  return Object.fromEntries(text.split('\r\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
}

/** A Redis server's CPU seconds so far (INFO cpu: used_cpu_user + used_cpu_sys, all its threads). */
export const redisCpuSeconds = async (redis: Redis): Promise<number> => {
  const cpu = await redisInfo(redis, 'cpu');
  return Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys);
};

/**
 * Phase 0: CDNOW_master through the importer into the orders topic (also measures the importer),
 * twice: the warm-up tenant's copy, then the measured one (tenant `default`).
 */
export async function preload(producer: OrderProducer, topic: string = TOPICS.orders): Promise<{ events: number; eventsPerSecond: number }> {
  const copy = (tenantId: string, source: string) => importFile(producer, {
    file: MASTER, format: 'cdnow', source, tenantId, currency: 'USD',
    topic, checkpointPath: null, restart: false, batchSize: PRELOAD_SET, maxInFlight: 2,
    // File order (customer by customer), as every earlier bench run: figures stay comparable.
    order: 'file',
  }, { onBadRow: (row) => { throw new Error(`CDNOW_master.txt:${row.line} is a bad row`); } });
  await copy(WARMUP_TENANT, `${WARMUP_TENANT}/CDNOW_master.txt`);
  const summary = await copy('default', 'CDNOW_master.txt');
  if (summary.produced !== MASTER_EVENTS) throw new Error(`expected ${MASTER_EVENTS} events, produced ${summary.produced}`);
  return { events: summary.produced, eventsPerSecond: summary.rowsPerSecond };
}

/** User plus system CPU seconds of a process so far, all its threads (Linux /proc; the bench runs here). */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/**
 * CPU seconds so far of each live thread of a process, by thread (Linux /proc/<pid>/task): the
 * main thread as "main", the others by their name (node's worker threads, V8's GC and compiler
 * helpers "V8 DefaultWorke", libuv's pool) with the thread id, so a phase can tell the consumer's
 * thread from the relay's and from garbage collection.
 */
export function threadCpuSeconds(pid: number | undefined): Map<string, number> {
  const threads = new Map<string, number>();
  if (pid === undefined) return threads;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    let name: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue; // the thread ended meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    threads.set(Number(tid) === pid ? 'main' : `${name}#${tid}`, (Number(fields[11]) + Number(fields[12])) / 100);
  }
  return threads;
}

/** Per thread, the CPU µs per event between two readings of threadCpuSeconds (threads above 0.5 µs). */
export function threadMicrosPerEvent(from: Map<string, number>, to: Map<string, number>, events: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [thread, seconds] of to) {
    const perEvent = ((seconds - (from.get(thread) ?? 0)) / events) * 1e6;
    if (perEvent >= 0.5) out[thread] = Math.round(perEvent * 10) / 10;
  }
  return out;
}

/** The pids of a process's children, their children and so on (Linux /proc): what the bench started. */
export function descendantPids(ancestor = process.pid): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // it ended meanwhile
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  for (let queue = [ancestor]; queue.length > 0;) {
    const next = queue.flatMap((pid) => children.get(pid) ?? []);
    found.push(...next);
    queue = next;
  }
  return found;
}

/** CPU seconds so far of this process and of `pids` (from descendantPids: the bench and all it runs). */
export function benchCpuSeconds(pids: readonly number[]): number {
  const own = process.cpuUsage();
  return (own.user + own.system) / 1e6 + pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
}

/** One reading of a drain: when, events consumed in all (`n`) and by each scorer, and what `sample` returned. */
export interface DrainSample {
  t: number;
  n: number;
  perScorer: number[];
  extra: Record<string, number | Map<string, number>>;
}

/**
 * Samples the scorers' consumed counters (and anything else) every 100 ms until every event of
 * the topic has an outcome; `first` is the first sample after the warm-up copy (and once
 * `measureFrom` allows), so the rate and everything sampled is over the measured copy.
 */
export async function drain(
  scorers: Scorer | readonly Scorer[],
  sample: () => Promise<Record<string, number | Map<string, number>>> = async () => ({}),
  measureFrom: () => boolean = () => true,
) {
  const list: readonly Scorer[] = 'url' in scorers ? [scorers] : scorers;
  let firstSample: DrainSample | null = null;
  let lastSample: DrainSample = { t: 0, n: 0, perScorer: list.map(() => 0), extra: {} };
  const who = list.length === 1 ? 'the scorer' : `${list.length} scorers`;
  await waitFor(`${who} to consume both copies of CDNOW_master`, async () => {
    const perScorer = await Promise.all(list.map((s) => metric(s.url, 'bondstream_events_consumed_total')));
    const n = perScorer.reduce((a, b) => a + b, 0);
    const t = performance.now();
    const extra = await sample();
    if (n >= TOPIC_EVENTS - MASTER_EVENTS && firstSample === null && measureFrom()) firstSample = { t, n, perScorer, extra };
    lastSample = { t, n, perScorer, extra };
    return n >= TOPIC_EVENTS ? true : undefined;
  }, { timeoutMs: 300_000, intervalMs: 100 }); // each poll scrapes the scorer's /metrics: polling faster costs it CPU
  const first = firstSample ?? lastSample;
  return { first, last: lastSample, eventsPerSecond: rate(lastSample.n - first.n, lastSample.t - first.t) };
}

/**
 * A fresh consumer group reads the orders topic from the beginning; `count(n)` records n events
 * handled. The rate is timed from the `skip`-th event (0: the first; MASTER_EVENTS: the end of
 * the warm-up copy) to the `target`-th, and the machine's steal over the same window.
 */
export async function timedConsume(
  kafka: Kafka,
  group: string,
  skip: number,
  target: number,
  run: (count: (n: number) => void, done: () => boolean) => ConsumerRunConfig,
): Promise<{ eventsPerSecond: number; stealShare: number }> {
  const consumer = kafka.consumer({ groupId: `${group}-${randomUUID()}` });
  let count = 0;
  let first = { t: 0, count: 0, machine: cpuTimes() };
  let last = { t: 0, machine: cpuTimes() };
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPICS.orders, fromBeginning: true });
    await consumer.run(run((n) => {
      count += n;
      if (first.t === 0 && count >= skip) first = { t: performance.now(), count, machine: cpuTimes() };
      if (count >= target && last.t === 0) last = { t: performance.now(), machine: cpuTimes() };
    }, () => last.t > 0));
    await waitFor(`${group} to handle ${target} events`, () => (last.t > 0 ? true : undefined), { timeoutMs: 300_000, intervalMs: 20 });
  } finally {
    await consumer.disconnect();
  }
  return { eventsPerSecond: rate(count - first.count, last.t - first.t), stealShare: round(stealShare(first.machine, last.machine), 3) };
}

/** The machine's CPU times of a drain sample whose `sample` returned `...cpuTimes()`. */
export const machineAt = (sample: { extra: Record<string, number | Map<string, number>> }): CpuTimes =>
  ({ steal: sample.extra.steal as number, idle: sample.extra.idle as number, total: sample.extra.total as number });

/**
 * The machine while the bench ran, kept with the figures: load, and the share of its CPU time the
 * hypervisor gave to other guests (steal), which slows the same work whatever the code does.
 */
export function machineInfo(load: number[], machineAtStart: CpuTimes) {
  const steal = round(stealShare(machineAtStart, cpuTimes()), 3);
  if (steal > 0.05) log(`the hypervisor took ${percent(steal)} of this machine's CPU during the run: the figures measure its other guests too`);
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverageAtStart: load, loadAverageAtEnd: loadavg(), stealShare: steal, node: process.version };
}
