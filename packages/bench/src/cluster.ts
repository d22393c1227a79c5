/**
 * `npm run bench -- --cluster`: the scale-out figures of DESIGN sections 7 and 8 on a local Redis
 * Cluster (3 masters, 1 replica each) and the mock broker. One scorer drains CDNOW_master
 * (twice, the first copy as warm-up) with REDIS_WAIT_REPLICAS 1 and 0, then two scorers in one
 * consumer group drain it; per process and per master: events/s, CPU per event, customer keys.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners, type Producer, type ProducerRecord } from 'kafkajs';
import { LOCAL_TOPICS, countKeys, startMockKafka, startRedisCluster, type LocalRedisCluster, type MockKafka } from '@bondstream/testkit';
import { KeySpace, calculateSlot, customerStatePattern } from '@bondstream/redis-state';
import {
  benchCpuSeconds, descendantPids, drain, log, machineAt, machineInfo, MASTER_EVENTS, metric, percent, preload, processCpuSeconds, redisCpuSeconds, redisInfo, startScorer, TOPICS,
  type Scorer,
} from './shared.js';
import { rate, round, STEAL_LIMIT } from './stats.js';
import { busyShare, cpuTimes, stealShare } from './steal.js';

/** The README's recommendation: 8 state shards per master. */
const MASTERS = 3;
const SHARDS = 8 * MASTERS;
/**
 * Drain B's own orders topic. A member joining a running group takes ~25 s on the mock, long
 * enough for one scorer to drain a preloaded topic alone, so this one is filled only once both
 * have joined: with the preload's produce requests recorded beforehand and sent in one go (the
 * importer itself, at ~50,000 rows/s on cores the scorers need, would still be producing the
 * measured copy while they consume it).
 */
const PAIR_TOPIC = 'bench.cluster-pair.orders';
/** The second member of a group is ready (joined) after ~25 s on the mock, sometimes after a retry. */
const PAIR_READY_TIMEOUT_MS = 150_000;
/**
 * Nor above this many cores taken by processes the bench did not start: on 2 cores another job
 * (a test suite) slows the scorers as steal does, and no steal shows it.
 */
const OTHER_CORES_LIMIT = 0.25;
/** One-scorer drains, alternating REDIS_WAIT_REPLICAS 1 and 0 so that both see the same machine. */
const ONE_SCORER_RUNS: readonly number[] = [1, 0, 1, 0];

interface Node {
  port: number;
  client: Redis;
  /** null for a master */
  masterPort: number | null;
}

interface Bench {
  cluster: LocalRedisCluster;
  kafka: MockKafka;
  producer: Producer;
  nodes: Node[];
  /** the master port of each state shard */
  shardMasters: number[];
  out: string;
}

const masters = (nodes: readonly Node[]): Node[] => nodes.filter((n) => n.masterPort === null);
const replicas = (nodes: readonly Node[]): Node[] => nodes.filter((n) => n.masterPort !== null);

/** A client per node, each with its role (the bench kills none, so the roles stay). */
async function connectNodes(cluster: LocalRedisCluster): Promise<Node[]> {
  const masterPorts = new Set(await cluster.masters());
  const nodes: Node[] = [];
  try {
    for (const { port } of cluster.nodes) {
      const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
      nodes.push({ port, client, masterPort: null });
      if (!masterPorts.has(port)) (nodes.at(-1) as Node).masterPort = Number((await redisInfo(client, 'replication')).master_port);
    }
  } catch (error) {
    for (const n of nodes) n.client.disconnect();
    throw error;
  }
  return nodes.sort((a, b) => a.port - b.port);
}

/** The master of each state shard: a shard's keys share its hash tag (redis-state keys.ts, shard-tags.ts). */
async function shardMasters(nodes: readonly Node[]): Promise<number[]> {
  const any = (masters(nodes)[0] as Node).client;
  const ranges = (await any.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]], ...unknown[]][];
  const ports: number[] = [];
  const keyspace = new KeySpace('bench', SHARDS);
  for (const shard of keyspace.shardIds) {
    const slot = calculateSlot(keyspace.outbox(shard));
    const port = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
    if (port === undefined) throw new Error(`slot ${slot} of shard ${shard} is served by no master`);
    ports.push(port);
  }
  return ports;
}

/** Customer state keys of a namespace on each master, by SCAN (not DBSIZE: that counts outboxes, indexes, dedupe too). */
async function customerKeys(nodes: readonly Node[], namespace: string): Promise<Map<number, number>> {
  const perMaster = new Map<number, number>();
  for (const { port, client } of masters(nodes)) perMaster.set(port, await countKeys(client, customerStatePattern(namespace)));
  return perMaster;
}

const maxOverMean = (values: readonly number[]): number =>
  round(Math.max(...values) / (values.reduce((a, b) => a + b, 0) / values.length), 3);

interface DrainPlan {
  name: string;
  scorers: number;
  waitReplicas: number;
  /** the preloaded orders topic, or PAIR_TOPIC with the produce requests that fill it once every scorer has joined */
  topic: string;
  requests?: readonly ProducerRecord[];
}

/** The preload's produce requests, kept instead of sent (see PAIR_TOPIC). */
async function recordPreload(topic: string): Promise<{ requests: ProducerRecord[]; imported: Awaited<ReturnType<typeof preload>> }> {
  const requests: ProducerRecord[] = [];
  const imported = await preload({
    send: async (record) => {
      requests.push(record);
      return [];
    },
  }, topic);
  return { requests, imported };
}

/**
 * One timed drain of both copies of CDNOW_master on an emptied cluster, in a namespace and
 * consumer group of its own; every figure is over the second copy (and, for PAIR_TOPIC, from
 * when the preload is done), except batches and short WAITs, which the scorers count over the
 * whole drain.
 */
async function clusterDrain(bench: Bench, plan: DrainPlan) {
  const { nodes } = bench;
  await Promise.all(masters(nodes).map((m) => m.client.flushall()));
  const namespace = `bench-cluster-${plan.name}`;
  const env = {
    REDIS_NAMESPACE: namespace, KAFKA_GROUP_ID: namespace, TOPIC_ORDERS: plan.topic,
    REDIS_STATE_SHARDS: String(SHARDS), REDIS_WAIT_REPLICAS: String(plan.waitReplicas),
  };
  const joinStarted = performance.now();
  const starting = await Promise.allSettled(Array.from({ length: plan.scorers }, (_, i) =>
    startScorer({ kafka: bench.kafka, cluster: bench.cluster }, `scorer-cluster-${plan.name}-${i + 1}`, env, bench.out, [], PAIR_READY_TIMEOUT_MS)));
  const scorers = starting.filter((s): s is PromiseFulfilledResult<Scorer> => s.status === 'fulfilled').map((s) => s.value);
  try {
    const failed = starting.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const joinSeconds = round((performance.now() - joinStarted) / 1000, 1);
    const ours = descendantPids(); // the scorers, the Redis nodes, the mock broker
    let produced = plan.requests === undefined;
    let producedAt = performance.now();
    const producing = (async () => {
      if (plan.requests === undefined) return null;
      for (const request of plan.requests) await bench.producer.send(request); // in order, as the importer sends them
      produced = true;
      const seconds = (performance.now() - producedAt) / 1000;
      producedAt = performance.now();
      return { eventsPerSecond: rate(plan.requests.reduce((a, r) => a + r.messages.length, 0), seconds * 1000) };
    })();
    const [{ first, last, eventsPerSecond }, sent] = await Promise.all([drain(scorers, async () => {
      const cpu = await Promise.all(nodes.map((n) => redisCpuSeconds(n.client)));
      const extra: Record<string, number> = { ...cpuTimes() };
      nodes.forEach((n, i) => void (extra[`node:${n.port}`] = cpu[i] as number));
      scorers.forEach((s, i) => void (extra[`scorer:${i}`] = processCpuSeconds(s.process.pid)));
      extra.bench = benchCpuSeconds(ours);
      return extra;
    }, () => produced), producing]);
    const events = last.n - first.n;
    const seconds = (last.t - first.t) / 1000;
    if (events < MASTER_EVENTS / 2) log(`${plan.name}: only ${events} events in the timed window (producing ended late): its rate says little`);
    const used = (key: string): number => (last.extra[key] as number) - (first.extra[key] as number);
    const micros = (cpuSeconds: number, n: number): number => round((cpuSeconds / n) * 1e6, 1);
    const [keys, counters] = await Promise.all([
      customerKeys(nodes, namespace),
      Promise.all(scorers.map(async (s) => ({
        batches: await metric(s.url, 'bondstream_batch_duration_seconds_count'),
        batchSeconds: await metric(s.url, 'bondstream_batch_duration_seconds_sum'),
        waitShort: await metric(s.url, 'bondstream_redis_wait_short_total'),
        // the relay's work (about one segment change per CDNOW event) is done by whichever process holds a shard's lease
        published: await metric(s.url, 'bondstream_outbox_published_total'),
      }))),
    ]);
    const totalKeys = [...keys.values()].reduce((a, b) => a + b, 0);
    const perMaster = masters(nodes).map(({ port }) => ({
      port, shards: bench.shardMasters.filter((p) => p === port).length, cpuSeconds: round(used(`node:${port}`), 2),
      cpuMicrosPerEvent: micros(used(`node:${port}`), events),
      customerKeys: keys.get(port) as number, keyShare: round((keys.get(port) as number) / totalKeys, 3),
    }));
    const replicaCpu = replicas(nodes).map(({ port, masterPort }) => ({ port, masterPort, cpuSeconds: round(used(`node:${port}`), 2) }));
    const scorerCpu = scorers.map((_, i) => used(`scorer:${i}`));
    const steal = round(stealShare(machineAt(first), machineAt(last)), 3);
    const busy = busyShare(machineAt(first), machineAt(last));
    const otherCores = round(busy * cpus().length - used('bench') / seconds, 2);
    const notComparable = [
      ...(steal > STEAL_LIMIT ? [`steal ${percent(steal)} > ${percent(STEAL_LIMIT)}`] : []),
      ...(otherCores > OTHER_CORES_LIMIT ? [`other processes took ${otherCores} of ${cpus().length} cores`] : []),
    ];
    const batches = counters.reduce((a, c) => a + c.batches, 0);
    return {
      name: plan.name, namespace, scorers: plan.scorers, waitReplicas: plan.waitReplicas, joinSeconds,
      eventsPerSecond, measuredEvents: events, windowSeconds: round(seconds, 2),
      ...(sent ? { produce: { eventsPerSecond: sent.eventsPerSecond, endedSecondsBeforeWindow: round((first.t - producedAt) / 1000, 2) } } : {}),
      scorerCpuMicrosPerEvent: micros(scorerCpu.reduce((a, b) => a + b, 0), events),
      redisCpuMicrosPerEvent: micros(perMaster.reduce((a, m) => a + used(`node:${m.port}`), 0), events),
      replicasCpuMicrosPerEvent: micros(replicaCpu.reduce((a, r) => a + used(`node:${r.port}`), 0), events),
      perProcess: scorers.map((_, i) => {
        const n = (last.perScorer[i] as number) - (first.perScorer[i] as number);
        const c = counters[i] as { batches: number; batchSeconds: number; waitShort: number; published: number };
        return {
          eventsPerSecond: rate(n, last.t - first.t), cpuMicrosPerEvent: micros(scorerCpu[i] as number, n),
          consumed: last.perScorer[i] as number, batches: c.batches, eventsPerBatch: round((last.perScorer[i] as number) / c.batches, 1),
          batchMs: round((c.batchSeconds / c.batches) * 1000, 1), waitShort: c.waitShort, segmentChangesPublished: c.published,
        };
      }),
      perMaster,
      replicas: replicaCpu,
      replicasCpuSeconds: round(replicaCpu.reduce((a, r) => a + r.cpuSeconds, 0), 2),
      batches,
      eventsPerBatch: round(last.n / batches, 1),
      /** mean time from receiving a batch to committing its offsets (the WAIT is inside it) */
      batchMs: round((counters.reduce((a, c) => a + c.batchSeconds, 0) / batches) * 1000, 1),
      waitShort: counters.reduce((a, c) => a + c.waitShort, 0),
      busiestMasterKeyRatio: maxOverMean(perMaster.map((m) => m.customerKeys)),
      busiestMasterCpuRatio: maxOverMean(perMaster.map((m) => m.cpuSeconds)),
      stealShare: steal,
      /** cores used by the bench and all it started (scorers, Redis nodes, mock broker) */
      benchCores: round(used('bench') / seconds, 2),
      /** cores used by processes the bench did not start */
      otherCores,
      comparable: notComparable.length === 0,
      ...(notComparable.length > 0 ? { notComparableBecause: notComparable.join('; ') } : {}),
    };
  } finally {
    await Promise.all(scorers.map((s) => s.stop()));
  }
}

type ClusterDrain = Awaited<ReturnType<typeof clusterDrain>>;

/** The phase's log line of a drain, with steal, like the other phases'. */
function drainLine(d: ClusterDrain): string {
  const processes = d.perProcess.length > 1
    ? ` (${d.perProcess.map((p) => `${p.eventsPerSecond}/s at ${p.cpuMicrosPerEvent} µs, publishing ${p.segmentChangesPublished} changes`).join(' + ')})` : '';
  const perMaster = d.perMaster.map((m) => `${m.port}: ${m.shards} shards, ${percent(m.keyShare)} of the customers, ${m.cpuSeconds} s CPU`).join('; ');
  return `${d.name}: ${d.eventsPerSecond} events/s${processes}, CPU per event ${d.scorerCpuMicrosPerEvent} µs scorer + ${d.redisCpuMicrosPerEvent} µs masters `
    + `+ ${d.replicasCpuMicrosPerEvent} µs replicas, ${d.eventsPerBatch} events/batch, ${d.waitShort} short WAITs; masters ${perMaster}; `
    + `steal ${percent(d.stealShare)}, bench ${d.benchCores} cores, other processes ${d.otherCores} cores${d.notComparableBecause ? ` (NOT comparable: ${d.notComparableBecause})` : ''}`;
}

/** Round trips of the WAIT probe, per kind, in each of its alternating passes. */
const PROBE_ROUNDS = 1_000;

/**
 * What WAIT 1 costs one batch, without a drain's noise: round trips to one master of a SET
 * alone, and of a SET and WAIT 1 pipelined as the scorer sends them (redis-state batch.ts),
 * alternating; per round trip the wall time and the master's and its replica's CPU.
 */
async function waitProbe(bench: Bench) {
  const master = masters(bench.nodes)[0] as Node;
  const replica = bench.nodes.find((n) => n.masterPort === master.port);
  // a key of a shard this master serves: the shard's own tag
  const key = `${new KeySpace('bench', SHARDS).outbox(bench.shardMasters.indexOf(master.port))}:wait-probe-bench`;
  const totals = { set: { ms: 0, master: 0, replica: 0 }, setAndWait: { ms: 0, master: 0, replica: 0 } };
  const cpu = async () => Promise.all([redisCpuSeconds(master.client), replica ? redisCpuSeconds(replica.client) : 0]);
  for (let pass = 0; pass < 4; pass++) {
    const kind = pass % 2 === 0 ? 'set' : 'setAndWait';
    const before = await cpu();
    const started = performance.now();
    for (let i = 0; i < PROBE_ROUNDS; i++) {
      const pipeline = master.client.pipeline().set(key, String(i));
      if (kind === 'setAndWait') pipeline.wait(1, 1_000);
      const replies = (await pipeline.exec()) ?? [];
      if (kind === 'setAndWait' && replies[1]?.[1] !== 1) throw new Error(`WAIT 1 on ${master.port} answered ${String(replies[1]?.[1] ?? replies[1]?.[0])}`);
    }
    const after = await cpu();
    totals[kind].ms += performance.now() - started;
    totals[kind].master += after[0] - before[0];
    totals[kind].replica += after[1] - before[1];
  }
  await master.client.del(key);
  const per = (value: number, unit: number): number => round((value * unit) / (2 * PROBE_ROUNDS), 1);
  return {
    master: master.port, rounds: 2 * PROBE_ROUNDS,
    setMicros: per(totals.set.ms, 1e3), setAndWaitMicros: per(totals.setAndWait.ms, 1e3),
    masterCpuMicros: { set: per(totals.set.master, 1e6), setAndWait: per(totals.setAndWait.master, 1e6) },
    replicaCpuMicros: { set: per(totals.set.replica, 1e6), setAndWait: per(totals.setAndWait.replica, 1e6) },
  };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * What WAIT 1 costs over WAIT 0, from the alternating one-scorer drains: best rate of each, and
 * the mean CPU per event and per batch (CPU per event is the less noisy figure, DESIGN section 7).
 */
function waitCost(runs: readonly ClusterDrain[]) {
  const summary = (waitReplicas: number) => {
    const of = runs.filter((r) => r.waitReplicas === waitReplicas);
    return {
      runs: of.length,
      eventsPerSecond: Math.max(...of.map((r) => r.eventsPerSecond)),
      scorerCpuMicrosPerEvent: round(mean(of.map((r) => r.scorerCpuMicrosPerEvent)), 1),
      /** how far this setting's own runs are apart: a difference between the settings smaller than this is noise */
      scorerCpuSpread: round(Math.max(...of.map((r) => r.scorerCpuMicrosPerEvent)) - Math.min(...of.map((r) => r.scorerCpuMicrosPerEvent)), 1),
      redisCpuMicrosPerEvent: round(mean(of.map((r) => r.redisCpuMicrosPerEvent)), 1),
      eventsPerBatch: round(mean(of.map((r) => r.eventsPerBatch)), 1),
      batchMs: round(mean(of.map((r) => r.batchMs)), 1),
      waitShort: of.reduce((a, r) => a + r.waitShort, 0),
    };
  };
  const [one, zero] = [summary(1), summary(0)];
  const perBatch = (key: 'scorerCpuMicrosPerEvent' | 'redisCpuMicrosPerEvent'): number => round((one[key] - zero[key]) * one.eventsPerBatch, 0);
  return {
    wait1: one, wait0: zero,
    eventsPerSecondRatio: round(one.eventsPerSecond / zero.eventsPerSecond, 3),
    scorerCpuMicrosPerBatch: perBatch('scorerCpuMicrosPerEvent'),
    redisCpuMicrosPerBatch: perBatch('redisCpuMicrosPerEvent'),
  };
}

/** `--cluster`: everything above, a JSON file in `out`, and the figures as the last stdout line. */
export async function runCluster(out: string): Promise<void> {
  const startedAt = new Date();
  const load = loadavg();
  const machineAtStart = cpuTimes();
  mkdirSync(out, { recursive: true });
  log(`cluster: starting the mock broker and a Redis Cluster of ${MASTERS} masters and ${MASTERS} replicas (load average ${load.map((l) => l.toFixed(2)).join(' ')})`);
  const kafka = await startMockKafka({ topics: [...LOCAL_TOPICS, `${PAIR_TOPIC}:4`] });
  let cluster: LocalRedisCluster | undefined;
  let nodes: Node[] = [];
  const producer = new Kafka({ brokers: [kafka.brokers], clientId: 'bench', logLevel: logLevel.NOTHING })
    .producer({ idempotent: false, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  try {
    cluster = await startRedisCluster({ masters: MASTERS, replicasPerMaster: 1 });
    nodes = await connectNodes(cluster);
    const bench: Bench = { cluster, kafka, producer, nodes, shardMasters: await shardMasters(nodes), out };
    await producer.connect();
    log(`importing CDNOW_master.txt into ${TOPICS.orders}`);
    const imported = await preload(producer);
    const pairLoad = await recordPreload(PAIR_TOPIC);
    log(`imported ${imported.events} events at ${imported.eventsPerSecond}/s (and recorded the same for ${PAIR_TOPIC}); WAIT probe`);
    const probe = await waitProbe(bench);
    log(`WAIT probe: a SET costs ${probe.setMicros} µs without and ${probe.setAndWaitMicros} µs with WAIT 1 in its pipeline, `
      + `the master ${probe.masterCpuMicros.set} vs ${probe.masterCpuMicros.setAndWait} µs CPU; one scorer, REDIS_WAIT_REPLICAS ${ONE_SCORER_RUNS.join(', ')}`);
    const oneScorerRuns: ClusterDrain[] = [];
    for (const [i, waitReplicas] of ONE_SCORER_RUNS.entries()) {
      oneScorerRuns.push(await clusterDrain(bench, { name: `one-wait${waitReplicas}-${i + 1}`, scorers: 1, waitReplicas, topic: TOPICS.orders }));
      log(drainLine(oneScorerRuns.at(-1) as ClusterDrain));
    }
    log('two scorers in one group (the second joins in about 25 s on the mock; the topic is filled once both have)');
    const pair = await clusterDrain(bench, { name: 'two', scorers: 2, waitReplicas: 1, topic: PAIR_TOPIC, requests: pairLoad.requests });
    log(`${drainLine(pair)}; joined after ${pair.joinSeconds} s`);

    // As in the single-server bench, the best of the one-scorer runs counts (the slower ones measured the neighbours),
    // of the comparable ones if there are any.
    const withWait = oneScorerRuns.filter((r) => r.waitReplicas === 1);
    const one = (withWait.some((r) => r.comparable) ? withWait.filter((r) => r.comparable) : withWait).reduce((best, r) => (r.eventsPerSecond > best.eventsPerSecond ? r : best));
    const cost = waitCost(oneScorerRuns);
    log(`WAIT 1 vs 0: ${cost.wait1.eventsPerSecond} vs ${cost.wait0.eventsPerSecond} events/s, ${cost.wait1.scorerCpuMicrosPerEvent} vs ${cost.wait0.scorerCpuMicrosPerEvent} µs scorer `
      + `and ${cost.wait1.redisCpuMicrosPerEvent} vs ${cost.wait0.redisCpuMicrosPerEvent} µs masters per event (${cost.scorerCpuMicrosPerBatch} µs scorer + ${cost.redisCpuMicrosPerBatch} µs masters `
      + `per batch of ${cost.wait1.eventsPerBatch}; the runs of one setting differ by up to ${Math.max(cost.wait1.scorerCpuSpread, cost.wait0.scorerCpuSpread)} µs scorer per event), ${cost.wait1.batchMs} vs ${cost.wait0.batchMs} ms per batch, ${cost.wait1.waitShort} short WAITs`);
    const masterFigures = ({ port, shards, cpuSeconds, customerKeys: keys, keyShare }: ClusterDrain['perMaster'][number]) => ({ port, shards, cpuSeconds, customerKeys: keys, keyShare });
    const figures = {
      mode: 'cluster', masters: MASTERS, shards: SHARDS, waitReplicas: 1,
      oneScorer: {
        eventsPerSecond: one.eventsPerSecond, scorerCpuMicrosPerEvent: one.scorerCpuMicrosPerEvent, redisCpuMicrosPerEvent: one.redisCpuMicrosPerEvent,
        perMaster: one.perMaster.map(masterFigures), replicasCpuSeconds: one.replicasCpuSeconds, eventsPerBatch: one.eventsPerBatch, waitShort: one.waitShort,
        stealShare: one.stealShare, otherCores: one.otherCores, comparable: one.comparable,
      },
      twoScorers: {
        eventsPerSecond: pair.eventsPerSecond,
        perProcess: pair.perProcess.map(({ eventsPerSecond, cpuMicrosPerEvent }) => ({ eventsPerSecond, cpuMicrosPerEvent })),
        redisCpuMicrosPerEvent: pair.redisCpuMicrosPerEvent, perMaster: pair.perMaster.map(masterFigures), replicasCpuSeconds: pair.replicasCpuSeconds,
        waitShort: pair.waitShort, stealShare: pair.stealShare, otherCores: pair.otherCores, comparable: pair.comparable,
      },
      waitCost: {
        eventsPerSecond: { wait1: cost.wait1.eventsPerSecond, wait0: cost.wait0.eventsPerSecond },
        scorerCpuMicrosPerEvent: { wait1: cost.wait1.scorerCpuMicrosPerEvent, wait0: cost.wait0.scorerCpuMicrosPerEvent },
        scorerCpuSpreadWithinSetting: Math.max(cost.wait1.scorerCpuSpread, cost.wait0.scorerCpuSpread),
        redisCpuMicrosPerEvent: { wait1: cost.wait1.redisCpuMicrosPerEvent, wait0: cost.wait0.redisCpuMicrosPerEvent },
        batchMs: { wait1: cost.wait1.batchMs, wait0: cost.wait0.batchMs },
        eventsPerBatch: cost.wait1.eventsPerBatch, scorerCpuMicrosPerBatch: cost.scorerCpuMicrosPerBatch, redisCpuMicrosPerBatch: cost.redisCpuMicrosPerBatch,
        waitShort: cost.wait1.waitShort,
        probe: { setMicros: probe.setMicros, setAndWaitMicros: probe.setAndWaitMicros, masterCpuMicros: probe.masterCpuMicros, replicaCpuMicros: probe.replicaCpuMicros },
      },
      busiestMasterKeyRatio: one.busiestMasterKeyRatio,
      busiestMasterCpuRatio: one.busiestMasterCpuRatio,
    };
    const jsonFile = join(out, `bench-cluster-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(jsonFile, `${JSON.stringify({
      startedAt: startedAt.toISOString(), machine: machineInfo(load, machineAtStart),
      parameters: { mode: 'cluster', masters: MASTERS, replicasPerMaster: 1, shards: SHARDS, oneScorerWaitReplicas: ONE_SCORER_RUNS, dataset: 'CDNOW_master.txt' },
      figures, details: { import: imported, oneScorerRuns, twoScorers: pair, waitCost: cost, waitProbe: probe },
    }, null, 2)}\n`);
    process.stdout.write(`results: ${jsonFile}\n${JSON.stringify(figures)}\n`);
  } finally {
    await producer.disconnect().catch(() => undefined);
    for (const n of nodes) n.client.disconnect();
    await Promise.allSettled([cluster?.stop(), kafka.stop()]);
  }
}
