#!/usr/bin/env node
// `npm run demo` (after setup and build): the whole pipeline on this machine, watched live.
//
// Starts a private Redis and librdkafka's mock Kafka cluster, the scorer (CRM_CLOCK=event, so a
// compressed simulated history scores as it would have in real time), the API and the actions
// service. Then it publishes ~400 days of synthetic history of ~200 shoppers
// of known archetypes in about 75 s, followed by a trickle of live events, and prints one line
// per segment change (and per customer action) as they come out of Kafka, plus a summary every
// 15 s. Service logs go to .local/demo-logs/. Ctrl-C stops everything (exit 0); a service that
// dies on its own stops the demo with the tail of its log (exit 1).
//
//   node scripts/demo.mjs [--for <seconds>] [--customers 200] [--seed 1] [--days 400]
//                         [--rate <events/s>] [--dimensions relationship,pyramid,rfm] [--cluster]
//
// --cluster: a local Redis Cluster (3 masters, 1 replica each) instead of the one redis-server;
// the services get REDIS_CLUSTER_NODES and REDIS_STATE_SHARDS instead of REDIS_URL.
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LOG_DIR = join(ROOT, '.local', 'demo-logs');
const TENANT = 'demo';
const DAY_MS = 86_400_000;
const SUMMARY_EVERY_MS = 15_000;
const HISTORY_SECONDS = 75;
const DIMENSIONS = ['relationship', 'pyramid', 'rfm'];
/** REDIS_STATE_SHARDS with --cluster: 8 per master, as the README recommends (DESIGN section 8). */
const CLUSTER_STATE_SHARDS = 24;
const CLUSTER_WAIT_REPLICAS = 1;
const TOPICS = {
  orders: 'crm.orders.v1',
  interactions: 'crm.interactions.v1',
  segmentChanges: 'crm.segment-changes.v1',
  actions: 'crm.customer-actions.v1',
  dlq: 'crm.dlq.v1',
};
const SERVICES = [
  { name: 'scorer', main: 'services/scorer/dist/main.js', nodeArgs: ['--max-semi-space-size=64', '--initial-old-space-size=64'] }, // as its Dockerfile runs it
  { name: 'api', main: 'services/api/dist/main.js' },
  { name: 'actions', main: 'services/actions/dist/main.js' },
];

// ---------------------------------------------------------------------------------------------
// Supervisor: a Ctrl-C in a terminal signals the whole foreground process group, which would
// kill Redis and the broker before the services have stopped. So the demo itself runs in a
// child with its own process group; this process only forwards signals and passes on the exit
// code. The IPC channel lets the child notice if this process dies.

const SUPERVISED = 'BONDSTREAM_DEMO_SUPERVISED';
if (process.env[SUPERVISED] !== '1') {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    detached: true,
    env: { ...process.env, [SUPERVISED]: '1' },
  });
  // One Ctrl-C may arrive twice (from the terminal and forwarded by npm): within a second,
  // a repeat is the same request. A later one tells the child to stop at once.
  let lastSignalAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (Date.now() - lastSignalAt < 1_000) return;
      lastSignalAt = Date.now();
      child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
    });
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1)));
  await new Promise(() => undefined); // the exit handler ends this process
}

// ---------------------------------------------------------------------------------------------
// Arguments

const USAGE = `usage: node scripts/demo.mjs [options]   (npm run demo -- [options])
  --for <seconds>       stop by itself after this long; exit 0 only if a segment change was seen
  --customers <n>       simulated customers (default 200)
  --seed <int>          simulator seed (default 1)
  --days <n>            days of history, ending now (default 400)
  --rate <events/s>     history publishing pace (default: the history takes about ${HISTORY_SECONDS} s)
  --dimensions <list>   which segment changes to print (default relationship,pyramid,rfm)
  --cluster             a local Redis Cluster (3 masters, 1 replica each) instead of one redis-server`;

function usageError(message) {
  console.error(`demo: ${message}\n${USAGE}`);
  process.exit(2);
}

let args;
try {
  ({ values: args } = parseArgs({
    strict: true,
    allowPositionals: false,
    options: {
      for: { type: 'string' },
      customers: { type: 'string', default: '200' },
      seed: { type: 'string', default: '1' },
      days: { type: 'string', default: '400' },
      rate: { type: 'string' },
      dimensions: { type: 'string', default: DIMENSIONS.join(',') },
      cluster: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  usageError(error.message);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
function numberArg(name, check, expected) {
  const raw = args[name];
  if (raw === undefined) return undefined;
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n) || !check(n)) usageError(`--${name} must be ${expected}, got "${raw}"`);
  return n;
}
const runForSeconds = numberArg('for', (n) => n > 0, 'a number of seconds > 0');
const customers = numberArg('customers', (n) => Number.isInteger(n) && n >= 1 && n <= 100_000, 'an integer from 1 to 100000');
const seed = numberArg('seed', Number.isSafeInteger, 'an integer');
const days = numberArg('days', (n) => n > 0 && n <= 3650, 'a number of days > 0 and ≤ 3650');
const rateArg = numberArg('rate', (n) => n > 0, 'a number of events per second > 0');
const shownDimensions = new Set(args.dimensions.split(',').map((d) => d.trim()).filter(Boolean));
for (const d of shownDimensions) if (!DIMENSIONS.includes(d)) usageError(`--dimensions: unknown dimension "${d}"`);

// ---------------------------------------------------------------------------------------------
// What must be built

for (const path of ['packages/testkit/dist/index.js', 'packages/simulator/dist/index.js', ...SERVICES.map((s) => s.main)]) {
  if (!existsSync(join(ROOT, path))) {
    console.error(`demo: ${path} is missing: run "npm run build" first (npm run demo does)`);
    process.exit(1);
  }
}
const { freePort, startLocalClusterStack, startLocalStack, stopProcess, track, waitFor } = await import('../packages/testkit/dist/index.js');
const { LiveFeed, generateShoppers, mulberry32, publishEvents } = await import('../packages/simulator/dist/index.js');
const { Kafka, logLevel, Partitioners } = await import('kafkajs');

// ---------------------------------------------------------------------------------------------
// Output helpers

const clock = () => new Date().toTimeString().slice(0, 8);
const say = (line) => console.log(line);
const rel = (path) => relative(process.cwd(), path) || path;
const money = (x) => (typeof x === 'number' ? x.toFixed(2) : '?');
const score = (x) => (typeof x === 'number' ? x.toFixed(2) : '?');

function tail(path, lines = 30) {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (error) {
    return `(cannot read ${path}: ${error.message})`;
  }
}

// ---------------------------------------------------------------------------------------------
// State shared by the steps and by shutdown

let stopping = false;
let redis; // a LocalRedis, or with --cluster a LocalRedisCluster
let broker;
const running = []; // { name, child, log, port }
let producer;
let consumer;
const abort = new AbortController();
const timers = [];
let feeding; // the promise of the publishing loop

const stats = {
  historyTotal: 0,
  historySent: 0,
  liveSent: 0,
  changes: 0,
  actions: 0,
  unreadable: 0,
  historyDoneAt: null,
  startedAt: Date.now(),
};
/** eventId → short description, to say which event caused a change */
const causes = new Map();
/** customerId → expected relationship (ground truth of the simulator) */
const expected = new Map();
/** customerId → latest relationship seen on the segment-change topic */
const relationship = new Map();

// The testkit kills its children and exits 130 on the first signal. Here Ctrl-C is the normal
// way to stop, so it gets the orderly shutdown (services first, then Kafka and Redis) instead.
function takeOverSignals() {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (stopping) {
        say('demo: second signal, killing everything now');
        process.exit(130); // the testkit's exit hook SIGKILLs every tracked child
      }
      say(`\ndemo: ${signal === 'SIGINT' ? 'Ctrl-C' : signal}, stopping`);
      void shutdown(0);
    });
  }
}

async function withTimeout(promise, ms) {
  let timer;
  try {
    return await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function shutdown(code, reason) {
  if (stopping) return;
  stopping = true;
  if (reason) say(`demo: ${reason}`);
  abort.abort();
  for (const t of timers) clearTimeout(t); // clears intervals too
  await withTimeout(feeding ?? Promise.resolve(), 5_000).catch(() => undefined);
  if (stats.changes > 0 || stats.historySent > 0) await printSummary().catch(() => undefined);
  await withTimeout(Promise.allSettled([consumer?.disconnect(), producer?.disconnect()]), 5_000);
  // Services in reverse start order, with SIGTERM (SIGKILL after 10 s), then Kafka and Redis.
  for (const service of [...running].reverse()) {
    await stopProcess(service.child, 10_000).catch(() => undefined);
    closeSync(service.log.fd);
  }
  await Promise.allSettled([broker?.stop(), redis?.stop()]);
  say(`demo: stopped${code === 0 ? '' : ` (exit ${code})`}; logs in ${rel(LOG_DIR)}/`);
  process.exit(code);
}

function fatal(message, service) {
  if (stopping) return;
  console.error(`\ndemo: ${message}`);
  if (service) console.error(`--- last lines of ${rel(service.log.path)} ---\n${tail(service.log.path)}\n---`);
  void shutdown(1);
}

process.on('unhandledRejection', (error) => fatal(`unexpected error: ${error?.stack ?? error}`));
process.on('disconnect', () => void shutdown(1, 'the supervising process went away'));

// ---------------------------------------------------------------------------------------------
// 1. Redis, Kafka and the services

takeOverSignals();
mkdirSync(LOG_DIR, { recursive: true });
say(`demo: starting ${args.cluster ? 'a Redis Cluster' : 'Redis'} and the mock Kafka broker; service logs go to ${rel(LOG_DIR)}/`);
try {
  if (args.cluster) ({ cluster: redis, kafka: broker } = await startLocalClusterStack());
  else ({ redis, kafka: broker } = await startLocalStack());
  takeOverSignals();
} catch (error) {
  console.error(`demo: ${error.message}`);
  await shutdown(1);
}
say(`demo: ${args.cluster ? `Redis Cluster at ${redis.seeds}` : `Redis at ${redis.url}`}, Kafka at ${broker.brokers}`);

/** The services' environment: this demo's infrastructure, nothing inherited that would point elsewhere. */
function serviceEnv(port) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(KAFKA_|TOPIC_|REDIS_|SCHEMA_REGISTRY_|HTTP_PORT$|LOG_LEVEL$)/.test(key)) continue;
    if (key.startsWith('CRM_') && key !== 'CRM_POLICY_FILE') continue;
    if (key === SUPERVISED) continue;
    env[key] = value;
  }
  return {
    ...env,
    KAFKA_BROKERS: broker.brokers,
    KAFKA_IDEMPOTENT: 'false', // the mock cluster has no working idempotent producer
    ...(args.cluster
      ? { REDIS_CLUSTER_NODES: redis.seeds, REDIS_STATE_SHARDS: String(CLUSTER_STATE_SHARDS), REDIS_WAIT_REPLICAS: String(CLUSTER_WAIT_REPLICAS) }
      : { REDIS_URL: redis.url }),
    HTTP_PORT: String(port),
    LOG_LEVEL: 'info',
    // Event time as the clock: 400 days replayed in a minute score (and, for actions, cool
    // down) as they would have live.
    CRM_CLOCK: 'event',
    TOPIC_ORDERS: TOPICS.orders,
    TOPIC_INTERACTIONS: TOPICS.interactions,
    TOPIC_SEGMENT_CHANGES: TOPICS.segmentChanges,
    TOPIC_ACTIONS: TOPICS.actions,
    TOPIC_DLQ: TOPICS.dlq,
  };
}

async function startService({ name, main, nodeArgs = [] }) {
  const port = await freePort();
  const path = join(LOG_DIR, `${name}.log`);
  writeFileSync(path, '');
  const fd = openSync(path, 'a');
  // detached (own process group): only this script signals the services, in order.
  const child = track(spawn(process.execPath, [...nodeArgs, join(ROOT, main)], { env: serviceEnv(port), stdio: ['ignore', fd, fd], detached: true, cwd: ROOT }));
  const service = { name, child, port, log: { path, fd } };
  running.push(service);
  child.once('exit', (code, signal) => fatal(`${name} exited unexpectedly (${signal ?? `code ${code}`})`, service));
  child.once('error', (error) => fatal(`${name} could not start: ${error.message}`, service));
  return service;
}

const authHeaders = process.env.API_TOKEN ? { authorization: `Bearer ${process.env.API_TOKEN}` } : {};

async function waitReady(service) {
  await waitFor(`${service.name} /readyz`, async () => {
    if (stopping) return true;
    if (service.child.exitCode !== null || service.child.signalCode !== null) throw new Error(`${service.name} exited`);
    const response = await fetch(`http://127.0.0.1:${service.port}/readyz`, { signal: AbortSignal.timeout(1_000) });
    return response.ok ? true : undefined;
  }, { timeoutMs: 60_000, intervalMs: 250 });
}

for (const s of SERVICES) await startService(s);
say(`demo: starting ${SERVICES.map((s) => s.name).join(', ')}`);
try {
  await Promise.all(running.map(waitReady));
} catch (error) {
  const service = running.find((s) => error.message.includes(s.name));
  fatal(`a service did not become ready: ${error.message}`, service);
}
if (stopping) await new Promise(() => undefined); // shutdown() exits
for (const s of running) say(`demo: ${s.name.padEnd(7)} ready on http://127.0.0.1:${s.port}   log: ${rel(s.log.path)}`);
const api = running.find((s) => s.name === 'api');

// ---------------------------------------------------------------------------------------------
// 2. The simulated population

const endMs = Date.now();
const history = generateShoppers({ seed, customers, tenantId: TENANT, startMs: endMs - days * DAY_MS, endMs });
stats.historyTotal = history.events.length;
for (const s of history.shoppers) expected.set(s.customerId, s.expected);
const labelsPath = join(LOG_DIR, 'labels.jsonl');
writeFileSync(labelsPath, history.shoppers.map((s) => JSON.stringify(s)).join('\n') + '\n');
const describe = (e) => (e.type === 'interaction' ? `${e.channel} ${e.kind.replace('_', ' ')}` : e.type.replace('order.', ''));
for (const e of history.events) causes.set(e.eventId, describe(e));

const counts = {};
for (const s of history.shoppers) counts[s.archetype] = (counts[s.archetype] ?? 0) + 1;
const example = history.shoppers.find((s) => s.archetype === 'loyal_high_margin') ?? history.shoppers[0];
const token = process.env.API_TOKEN ? ` -H "Authorization: Bearer $API_TOKEN"` : '';
say('');
say(`API:  http://127.0.0.1:${api.port}`);
say(`      curl -s${token} 'http://127.0.0.1:${api.port}/v1/customers/${example.customerId}?tenant=${TENANT}'   (built as ${example.archetype} → ${example.expected})`);
say(`      curl -s${token} 'http://127.0.0.1:${api.port}/v1/segments?tenant=${TENANT}'`);
say(`Console: http://127.0.0.1:${api.port}/console/?tenant=${TENANT}   (it refreshes itself while the demo runs${process.env.API_TOKEN ? '; it asks for a token: the value of $API_TOKEN' : ''})`);
say(`Shoppers: ${history.shoppers.length} (${Object.entries(counts).map(([a, n]) => `${n} ${a} → ${history.shoppers.find((s) => s.archetype === a).expected}`).join(', ')}); ground truth in ${rel(labelsPath)}`);
say('');

// ---------------------------------------------------------------------------------------------
// 3. Watch the output topics

const clientLog = join(LOG_DIR, 'demo-kafka-client.log');
writeFileSync(clientLog, '');
const kafka = new Kafka({
  clientId: 'bondstream-demo',
  brokers: [broker.brokers],
  logLevel: logLevel.WARN,
  logCreator: () => ({ namespace, level, log }) => {
    const { message, ...extra } = log;
    appendFileSync(clientLog, `${JSON.stringify({ time: new Date().toISOString(), level, namespace, message, ...extra })}\n`);
  },
});

function changeLine(c) {
  const cause =
    c.cause?.kind === 'event'
      ? `${causes.get(c.cause.eventId) ?? 'event'} ${c.cause.eventId}`
      : c.cause?.kind === 'thresholds'
        ? 'tenant cut points moved'
        : c.cause?.kind === 'clock'
          ? 'time passed'
          : c.cause?.kind === 'model'
            ? 'new lifetime model'
            : (c.cause?.kind ?? '?');
  const truth = c.dimension === 'relationship' && expected.has(c.customerId) && expected.get(c.customerId) === c.to ? '  ✓' : '';
  return (
    `${clock()}  ${String(c.occurredAt).slice(0, 10)}  ${c.tenantId}/${c.customerId}  ${c.dimension.padEnd(12)}  ` +
    `${c.from ?? '(new)'} → ${c.to}  (${cause}, profit ${money(c.scores?.profit)}, loyalty ${score(c.scores?.loyalty)}` +
    // the lifetime model's, once the tenant has one (the first fit comes within 30 s)
    `${c.scores?.pAlive == null ? '' : `, P(alive) ${score(c.scores.pAlive)}, CLV ${money(c.scores.clv)}`})${truth}`
  );
}

consumer = kafka.consumer({ groupId: `bondstream-demo-${process.pid}-${Date.now()}`, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
consumer.on(consumer.events.CRASH, ({ payload }) => {
  if (!payload.restart) fatal(`the demo's consumer of the output topics crashed: ${payload.error?.message ?? payload.error}`);
});
await consumer.connect();
await consumer.subscribe({ topics: [TOPICS.segmentChanges, TOPICS.actions], fromBeginning: true });
await consumer.run({
  eachMessage: async ({ topic, message }) => {
    if (stopping) return;
    let value;
    try {
      value = JSON.parse(message.value?.toString() ?? '');
    } catch {
      if (stats.unreadable++ === 0) say(`${clock()}  (a message on ${topic} is not JSON; not shown)`);
      return;
    }
    if (topic === TOPICS.segmentChanges) {
      stats.changes += 1;
      if (value.dimension === 'relationship' && value.tenantId === TENANT) relationship.set(value.customerId, value.to);
      if (shownDimensions.has(value.dimension)) say(changeLine(value));
    } else {
      stats.actions += 1;
      say(`${clock()}  → action ${value.action} for ${value.tenantId}/${value.customerId} via ${value.channel}${value.reason ? `  (${value.reason})` : ''}`);
    }
  },
});

// ---------------------------------------------------------------------------------------------
// 4. Summaries

async function printSummary() {
  let segments = '';
  try {
    const response = await fetch(`http://127.0.0.1:${api.port}/v1/segments?tenant=${TENANT}`, { headers: authHeaders, signal: AbortSignal.timeout(2_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = await response.json();
    for (const dimension of ['relationship', 'pyramid']) {
      const values = Object.entries(body.dimensions?.[dimension] ?? {}).filter(([, n]) => n > 0);
      if (values.length) segments += ` · ${dimension}: ${values.map(([v, n]) => `${v} ${n}`).join(', ')}`;
    }
  } catch (error) {
    segments = ` · segments: (API: ${error.message})`;
  }
  let agree = 0;
  for (const [customerId, value] of relationship) if (expected.get(customerId) === value) agree += 1;
  const history = stats.historySent < stats.historyTotal ? `history ${stats.historySent}/${stats.historyTotal}` : `history ${stats.historyTotal}`;
  say(
    `── ${clock()}  events sent ${stats.historySent + stats.liveSent} (${history}, live ${stats.liveSent}) · ` +
      `changes seen ${stats.changes} · actions ${stats.actions}${segments} · ` +
      `relationship as built: ${agree}/${expected.size}`,
  );
}
timers.push(setInterval(() => void printSummary(), SUMMARY_EVERY_MS));
if (runForSeconds !== undefined) {
  timers.push(setTimeout(() => {
    const ok = stats.changes > 0;
    void shutdown(ok ? 0 : 1, `--for ${runForSeconds} s is over: ${stats.changes} segment changes seen${ok ? '' : ' (expected at least one)'}`);
  }, runForSeconds * 1000));
}

// ---------------------------------------------------------------------------------------------
// 5. Publish the history, then a live trickle

producer = kafka.producer({ idempotent: false, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
const rate = rateArg ?? Math.max(20, Math.round(history.events.length / HISTORY_SECONDS));
say(
  `demo: publishing ${history.events.length} events of ${days} days of history at ${rate} events/s ` +
    `(~${Math.round(history.events.length / rate)} s), then live events. Ctrl-C stops.`,
);
say('');

feeding = (async () => {
  const result = await publishEvents(producer, history.events, {
    topics: TOPICS,
    rate,
    signal: abort.signal,
    onProgress: ({ sent }) => (stats.historySent = sent),
  });
  if (result.aborted) return;
  stats.historyDoneAt = Date.now();
  say(`${clock()}  demo: history published (${result.sent} events in ${(result.elapsedMs / 1000).toFixed(1)} s); live events from now on`);
  const live = new LiveFeed({ seed, shoppers: history.shoppers, tenantId: TENANT });
  const random = mulberry32(seed ^ 0x5eed);
  while (!abort.signal.aborted) {
    try {
      await sleep(500 + 2_000 * random(), undefined, { signal: abort.signal });
    } catch {
      return;
    }
    const event = live.next(Date.now());
    causes.set(event.eventId, `live ${describe(event)}`);
    await publishEvents(producer, [event], { topics: TOPICS });
    stats.liveSent += 1;
  }
})().catch((error) => fatal(`publishing failed: ${error.message}`));
