import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { Redis } from 'ioredis';
import { DEFAULT_TOPICS } from '@bondstream/contracts';
import { computeThresholds, defaultPolicy, type Policy } from '@bondstream/model';
import {
  KeySpace, OutboxStore, readDueCustomers, readNewestEventMs, readPopulation, readThresholds, readWatermark,
} from '@bondstream/redis-state';
import {
  freePort, stopProcess, track, waitFor, type LocalStack as Stack,
} from '@bondstream/testkit';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const datasets = fileURLToPath(new URL('../../shared/datasets/', import.meta.url));
export const TOPICS = DEFAULT_TOPICS;

/** A private Redis and mock broker with the five topics (the testkit's local stack). */
export { startLocalStack as startStack, type LocalStack as Stack } from '@bondstream/testkit';

export interface RunningService {
  name: string;
  port: number;
  process: ChildProcess;
  url: string;
  log(): string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/** Runs a built service (services/<name>/dist/main.js) as a process and waits for /readyz. */
/** What a service runs on: the mock broker and one Redis, or a Redis Cluster (REDIS_CLUSTER_NODES). */
export interface ServiceStack {
  kafka: { brokers: string };
  redis?: { url: string };
  cluster?: { seeds: string };
}

export async function startService(
  name: 'scorer' | 'api' | 'actions',
  stack: ServiceStack,
  env: Record<string, string> = {},
  readyTimeoutMs = 60_000,
): Promise<RunningService> {
  const port = await freePort();
  const logDir = `${root}.local/test-logs`;
  mkdirSync(logDir, { recursive: true });
  const logFile = `${logDir}/${name}-${port}.log`;
  const log = createWriteStream(logFile);
  const child = track(spawn(process.execPath, [`${root}services/${name}/dist/main.js`], {
    env: {
      PATH: process.env.PATH,
      KAFKA_BROKERS: stack.kafka.brokers,
      KAFKA_IDEMPOTENT: 'false',
      ...(stack.cluster ? { REDIS_CLUSTER_NODES: stack.cluster.seeds } : { REDIS_URL: (stack.redis as { url: string }).url }),
      HTTP_PORT: String(port),
      LOG_LEVEL: 'info',
      // An event-clock drain settles once every input partition is idle: seconds, not the default 30.
      CRM_IDLE_PARTITION_SECONDS: '2',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  const readLog = (): string => readFileSync(logFile, 'utf8');
  await waitFor(`${name} /readyz`, async () => {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${readLog().slice(-2_000)}`);
    const response = await fetch(`${url}/readyz`).catch(() => null);
    return response?.status === 200 ? true : undefined;
  }, { timeoutMs: readyTimeoutMs, intervalMs: 100 });
  return {
    name, port, process: child, url, log: readLog,
    stop: () => stopProcess(child, 20_000),
    kill: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Produces "key<TAB>value" lines with kcat, an independent Kafka client (to one partition if given). */
export async function kcatProduce(brokers: string, topic: string, records: { key: string; value: string }[], partition?: number): Promise<void> {
  const args = ['-P', '-b', brokers, '-t', topic, '-K', '\t', '-X', 'acks=all', ...(partition === undefined ? [] : ['-p', String(partition)])];
  const child = track(spawn('kcat', args, { stdio: ['pipe', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  for (const { key, value } of records) {
    if (key.includes('\t') || value.includes('\n')) throw new Error('kcat records must be single-line, tab-free keys');
    if (!child.stdin?.write(`${key}\t${value}\n`)) await new Promise((resolve) => child.stdin?.once('drain', resolve));
  }
  child.stdin?.end();
  const code = await exited;
  if (code !== 0) throw new Error(`kcat exited with ${code}: ${stderr}`);
}

export interface Collected {
  topic: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Collects every message of some topics from the beginning, until stopped. */
export async function collect(brokers: string, topics: string[]): Promise<{ messages: Collected[]; stop(): Promise<void> }> {
  const kafka = new Kafka({ brokers: [brokers], clientId: 'test-collector', logLevel: logLevel.NOTHING });
  const consumer: Consumer = kafka.consumer({ groupId: `collector-${Math.random().toString(36).slice(2)}` });
  const messages: Collected[] = [];
  await consumer.connect();
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      messages.push({ topic, key: message.key?.toString() ?? null, value: message.value ?? null, headers });
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}

export async function getJson<T = unknown>(url: string, token?: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: response.status, body: (await response.json()) as T };
}

/** Reads one counter or gauge value (summed over label sets matching `labels`) from /metrics. */
export async function metricValue(serviceUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = line.match(/^([a-z_]+)(\{[^}]*\})?\s+(\S+)/);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

/** GETs many customers' profiles with bounded concurrency. */
export async function fetchProfiles<T>(apiUrl: string, customerIds: readonly string[], tenant = 'default'): Promise<Map<string, { status: number; body: T }>> {
  const results = new Map<string, { status: number; body: T }>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < customerIds.length) {
      const id = customerIds[next++] as string;
      results.set(id, await getJson<T>(`${apiUrl}/v1/customers/${encodeURIComponent(id)}?tenant=${tenant}`));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return results;
}

/** Waits until the scorer has a final outcome for `count` consumed events. */
export async function waitForOutcomes(scorerUrl: string, count: number, timeoutMs = 120_000): Promise<void> {
  await waitFor(`${count} consumed events with an outcome`, async () => {
    const seen = await metricValue(scorerUrl, 'bondstream_events_consumed_total');
    if (seen > count) throw new Error(`more outcomes (${seen}) than events (${count})`);
    return seen === count ? true : undefined;
  }, { timeoutMs, intervalMs: 200 });
}

/** Waits until a consumer group has committed every message of a topic (lag 0). */
export async function waitForCommittedEnd(brokers: string, groupId: string, topic: string, timeoutMs = 180_000): Promise<void> {
  const admin = new Kafka({ brokers: [brokers], clientId: 'test-lag', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await waitFor(`${groupId} to commit the end of ${topic}`, async () => {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const lag = ends.reduce((sum, end) => {
        const c = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        return sum + Number(end.high) - Math.max(0, Number(c));
      }, 0);
      return lag === 0 ? true : undefined;
    }, { timeoutMs, intervalMs: 250 });
  } finally {
    await admin.disconnect();
  }
}

/** Writes a policy file (partial: the rest are the defaults) for CRM_POLICY_FILE. */
export function writePolicyFile(name: string, policy: Record<string, unknown>): string {
  const dir = `${root}.local/test-policies`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${name}-${process.pid}.json`;
  writeFileSync(file, JSON.stringify(policy));
  return file;
}

/**
 * Waits until a scorer has nothing left to do for a tenant: the outbox is published, no
 * customer is due at the tenant's evaluation time (the clock caught up), the stored thresholds
 * are exactly what the current population gives, and a further refresh has completed after that
 * (so the re-score of the last moved band has finished: refreshes run one after another).
 */
export async function waitForSettled(
  stack: Stack,
  scorerUrl: string,
  opts: { namespace?: string; tenant?: string; policy?: Policy; latenessMs?: number; timeoutMs?: number } = {},
): Promise<void> {
  const { namespace = 'bs', tenant = 'default', policy = defaultPolicy, latenessMs = 0, timeoutMs = 120_000 } = opts;
  const redis = new Redis(stack.redis.url);
  const keyspace = new KeySpace(namespace);
  const shards = [...keyspace.shardIds];
  const settledNow = async (): Promise<boolean> => {
    const outbox = await new OutboxStore(redis, keyspace, 'settle-probe', 1).backlog();
    const watermarkMs = await readWatermark(redis, keyspace, tenant);
    // With the event clock the watermark is final once it reached the newest event seen (every
    // input partition idle); until then the clock may still move customers.
    if (watermarkMs < await readNewestEventMs(redis, keyspace, tenant)) return false;
    const nowMs = watermarkMs - latenessMs;
    const due = await readDueCustomers(redis, keyspace, tenant, shards, nowMs, 1);
    const stored = await readThresholds(redis, keyspace, tenant);
    if (outbox > 0 || due.length > 0 || stored === null) return false;
    const fresh = computeThresholds(await readPopulation(redis, keyspace, tenant), policy, stored.version, stored.computedAtMs);
    return JSON.stringify(fresh) === JSON.stringify(stored);
  };
  try {
    const refreshes = await waitFor(`scorer settled (tenant ${tenant})`, async () =>
      (await settledNow()) ? metricValue(scorerUrl, 'bondstream_thresholds_refreshes_total') : undefined, { timeoutMs, intervalMs: 250 });
    await waitFor('one more thresholds refresh, still settled', async () => {
      if ((await metricValue(scorerUrl, 'bondstream_thresholds_refreshes_total')) <= refreshes) return undefined;
      if (!(await settledNow())) throw new Error('the scorer moved customers again after it had settled');
      return true;
    }, { timeoutMs, intervalMs: 250 });
  } finally {
    redis.disconnect();
  }
}

