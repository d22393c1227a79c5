import { statSync } from 'node:fs';
import { ConfigError } from './errors.js';
import { TOPIC_DEFAULTS, TOPIC_ENV, type TopicKey } from './topics.js';

export type Env = Record<string, string | undefined>;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];
export const CLOCKS = ['wall', 'event'] as const;
export type ClockMode = (typeof CLOCKS)[number];

/** One seed of a Redis Cluster; an IPv6 host is given without its brackets. */
export interface RedisClusterNode {
  host: string;
  port: number;
}

/**
 * Where the state lives: one Redis server (REDIS_URL, credentials and TLS in the URL) or a
 * Redis Cluster reached through its seeds (REDIS_CLUSTER_NODES, with REDIS_USERNAME,
 * REDIS_PASSWORD, REDIS_TLS).
 */
export type RedisTarget =
  | { mode: 'single'; url: string }
  | { mode: 'cluster'; nodes: RedisClusterNode[]; username: string | null; password: string | null; tls: boolean };

export interface ServiceConfig {
  service: string;
  kafka: {
    brokers: string[];
    clientId: string;
    groupId: string;
    ssl: boolean;
    sasl: { mechanism: SaslMechanism; username: string; password: string } | null;
    idempotent: boolean;
    /** KAFKA_FETCH_MAX_WAIT_MS: how long a fetch may wait for data (consumers) */
    fetchMaxWaitMs: number;
  };
  redis: RedisTarget;
  /** Prefix of every Redis key: replays go into a fresh namespace (DESIGN 4). */
  redisNamespace: string;
  /** REDIS_STATE_SHARDS: state shards of the namespace (fixed when a namespace is created) */
  redisStateShards: number;
  /** REDIS_WAIT_REPLICAS: replicas that must acknowledge a batch's writes before offsets are committed */
  redisWaitReplicas: number;
  schemaRegistryUrl: string | null;
  topics: { orders: string; interactions: string; segmentChanges: string; actions: string; dlq: string };
  httpPort: number;
  logLevel: LogLevel;
  apiToken: string | null;
  /** API_TOKENS_FILE: tokens scoped to tenants (read with loadApiTokens) */
  apiTokensFile: string | null;
  policyFile: string | null;
  clock: ClockMode;
  /** event clock: the watermark trails the newest event time by this much */
  allowedLatenessSeconds: number;
  /** event clock: an input partition without data for a tenant this long stops holding its watermark back */
  idlePartitionSeconds: number;
  /** OUTBOX_RELAY_LINGER_MS: the outbox relay's pause between two busy cycles */
  relayLingerMs: number;
  /**
   * OUTBOX_RELAY_GRACE_MS: the scorer publishes the segment changes it wrote itself right after
   * the write (the fast path); the relay's sweep takes only outbox entries older than this (the
   * writer crashed, or its send failed). 0 turns the fast path off.
   */
  relayGraceMs: number;
}

export interface ServiceDefaults {
  service: string;
  httpPort: number;
  groupId: string;
  /** false for services that never talk to Kafka (KAFKA_BROKERS becomes optional). Default true. */
  needsKafka?: boolean;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_REDIS_NAMESPACE = 'bs';
/** CRM_IDLE_PARTITION_SECONDS when unset: as long as a rebalance may take (the session timeout). */
export const DEFAULT_IDLE_PARTITION_SECONDS = 30;
/** REDIS_STATE_SHARDS when unset. */
export const DEFAULT_STATE_SHARDS = 16;
/** A Redis Cluster has 16384 hash slots: more shards than slots could not spread. */
const MAX_STATE_SHARDS = 16_384;
const MAX_WAIT_REPLICAS = 16;

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);
const BROKER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;
/** host:port like BROKER, with the host captured (brackets of an IPv6 host left out). */
const REDIS_SEED = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+)):(\d{1,5})$/;
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
const NAMESPACE = /^[a-z0-9_-]+$/;
const PORT = /^\d{1,5}$/;
const DECIMAL = /^\d+(?:\.\d+)?$/;

const show = (value: string): string => JSON.stringify(value);

/** Renders a URL for an error message without its password. */
function redactUrl(url: URL): string {
  if (url.password === '') return show(url.href);
  const copy = new URL(url.href);
  copy.password = '***';
  return show(copy.href);
}

/** Reads variables and collects every problem instead of stopping at the first. */
class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  fail(name: string, problem: string): void {
    this.problems.push(`${name}: ${problem}`);
  }

  /** The trimmed value; undefined when unset or blank (`FOO=` counts as unset). */
  get(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /** A secret is used verbatim (no trimming); blank counts as unset. Never echoed. */
  secret(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.get(name);
    if (value === undefined) return fallback;
    const word = value.toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    this.fail(name, `expected true or false, got ${show(value)}`);
    return fallback;
  }

  /** One of `allowed`, case-insensitive. Undefined when unset (or invalid, after recording it). */
  choice<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    const lower = value.toLowerCase();
    const match = allowed.find((a) => a === lower);
    if (match === undefined) this.fail(name, `expected one of ${allowed.join(', ')}, got ${show(value)}`);
    return match;
  }
}

function readBrokers(r: EnvReader, required: boolean): string[] {
  const value = r.get('KAFKA_BROKERS');
  if (value === undefined) {
    if (required) r.fail('KAFKA_BROKERS', 'required: a comma-separated list of host:port, e.g. "localhost:9092"');
    return [];
  }
  const brokers = value.split(',').map((b) => b.trim()).filter((b) => b !== '');
  if (brokers.length === 0) {
    r.fail('KAFKA_BROKERS', `expected a comma-separated list of host:port, got ${show(value)}`);
    return [];
  }
  for (const broker of brokers) {
    const m = BROKER.exec(broker);
    const port = m ? Number(m[1]) : NaN;
    if (!m) r.fail('KAFKA_BROKERS', `${show(broker)} is not host:port`);
    else if (port < 1 || port > 65535) r.fail('KAFKA_BROKERS', `${show(broker)}: port must be 1..65535`);
  }
  return brokers;
}

function readSasl(r: EnvReader): ServiceConfig['kafka']['sasl'] {
  const mechanismSet = r.get('KAFKA_SASL_MECHANISM') !== undefined;
  const mechanism = r.choice('KAFKA_SASL_MECHANISM', SASL_MECHANISMS);
  const username = r.get('KAFKA_SASL_USERNAME');
  const password = r.secret('KAFKA_SASL_PASSWORD');
  if (!mechanismSet) {
    // Credentials without a mechanism would be silently ignored: connecting without
    // authentication is not what whoever set them meant.
    for (const [name, value] of [['KAFKA_SASL_USERNAME', username], ['KAFKA_SASL_PASSWORD', password]] as const) {
      if (value !== undefined) {
        r.fail(name, `set, but KAFKA_SASL_MECHANISM is not (expected one of ${SASL_MECHANISMS.join(', ')})`);
      }
    }
    return null;
  }
  if (username === undefined) r.fail('KAFKA_SASL_USERNAME', 'required when KAFKA_SASL_MECHANISM is set');
  if (password === undefined) r.fail('KAFKA_SASL_PASSWORD', 'required when KAFKA_SASL_MECHANISM is set');
  if (mechanism === undefined || username === undefined || password === undefined) return null;
  return { mechanism, username, password };
}

/**
 * Reads an optional URL with one of the allowed protocols and a host. Bad values are never
 * echoed whole: such URLs may carry a password.
 */
function readUrl(r: EnvReader, name: string, protocols: readonly string[], secret: string): string | undefined {
  const value = r.get(name);
  if (value === undefined) return undefined;
  const expected = `expected a ${protocols.map((p) => `${p}//`).join(' or ')} URL`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    r.fail(name, `${expected} (value not shown, it may contain ${secret})`);
    return undefined;
  }
  if (!protocols.includes(url.protocol)) r.fail(name, `${expected}, got ${redactUrl(url)}`);
  else if (url.hostname === '') r.fail(name, `has no host: ${redactUrl(url)}`);
  return value;
}

function readRedisUrl(r: EnvReader): string {
  return readUrl(r, 'REDIS_URL', ['redis:', 'rediss:'], 'a password') ?? DEFAULT_REDIS_URL;
}

/** A seed for an error message; whatever precedes an `@` may be credentials and is masked. */
function showSeed(seed: string): string {
  const at = seed.lastIndexOf('@');
  return at < 0 ? show(seed) : show(`***${seed.slice(at)}`);
}

function readClusterNodes(r: EnvReader, value: string): RedisClusterNode[] {
  const name = 'REDIS_CLUSTER_NODES';
  const seeds = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (seeds.length === 0) {
    r.fail(name, `expected a comma-separated list of host:port seeds, got ${show(value)}`);
    return [];
  }
  const nodes: RedisClusterNode[] = [];
  for (const seed of seeds) {
    const m = REDIS_SEED.exec(seed);
    if (!m) {
      const hint = seed.includes('@') ? ' (credentials go in REDIS_USERNAME and REDIS_PASSWORD)' : '';
      r.fail(name, `${showSeed(seed)} is not host:port${hint}`);
      continue;
    }
    const port = Number(m[3]);
    if (port < 1 || port > 65535) {
      r.fail(name, `${show(seed)}: port must be 1..65535`);
      continue;
    }
    nodes.push({ host: m[1] ?? m[2]!, port });
  }
  return nodes;
}

/**
 * REDIS_URL selects one server, REDIS_CLUSTER_NODES a Redis Cluster; neither means the default
 * URL. REDIS_USERNAME, REDIS_PASSWORD and REDIS_TLS belong to cluster mode only: one server
 * takes them in its URL, and silently ignoring them would connect without what was asked for.
 */
function readRedisTarget(r: EnvReader): RedisTarget {
  const urlSet = r.get('REDIS_URL') !== undefined;
  const url = readRedisUrl(r);
  const nodesValue = r.get('REDIS_CLUSTER_NODES');
  if (nodesValue === undefined) {
    const single = 'applies only with REDIS_CLUSTER_NODES; for one server';
    if (r.get('REDIS_USERNAME') !== undefined) {
      r.fail('REDIS_USERNAME', `${single} put the credentials in REDIS_URL (redis://user:password@host:port)`);
    }
    if (r.secret('REDIS_PASSWORD') !== undefined) {
      r.fail('REDIS_PASSWORD', `${single} put the credentials in REDIS_URL (redis://user:password@host:port; value not shown)`);
    }
    if (r.get('REDIS_TLS') !== undefined) {
      r.fail('REDIS_TLS', `${single} use a rediss:// REDIS_URL for TLS`);
    }
    return { mode: 'single', url };
  }
  if (urlSet) {
    r.fail(
      'REDIS_CLUSTER_NODES',
      'set together with REDIS_URL; choose one (REDIS_URL for one server, REDIS_CLUSTER_NODES for a Redis Cluster)',
    );
  }
  const nodes = readClusterNodes(r, nodesValue);
  const username = r.get('REDIS_USERNAME') ?? null;
  const password = r.secret('REDIS_PASSWORD') ?? null;
  const tls = r.bool('REDIS_TLS', false);
  return { mode: 'cluster', nodes, username, password, tls };
}

function readSchemaRegistryUrl(r: EnvReader): string | null {
  return readUrl(r, 'SCHEMA_REGISTRY_URL', ['http:', 'https:'], 'credentials') ?? null;
}

function readTopics(r: EnvReader): ServiceConfig['topics'] {
  const keys = Object.keys(TOPIC_DEFAULTS) as TopicKey[];
  const topics = { ...TOPIC_DEFAULTS } as { [K in TopicKey]: string };
  for (const key of keys) {
    const name = TOPIC_ENV[key];
    const value = r.get(name);
    if (value === undefined) continue;
    if (!TOPIC_NAME.test(value) || value === '.' || value === '..') {
      r.fail(name, `not a valid Kafka topic name (1-249 of A-Z a-z 0-9 . _ -), got ${show(value)}`);
    } else {
      topics[key] = value;
    }
  }
  // Inputs may share a topic, but an output topic shared with any other would feed a service
  // its own output (a DLQ equal to an input topic loops forever).
  const outputs: readonly TopicKey[] = ['segmentChanges', 'actions', 'dlq'];
  keys.forEach((b, j) => {
    const a = keys.slice(0, j).find((k) => topics[k] === topics[b] && (outputs.includes(k) || outputs.includes(b)));
    if (a !== undefined) {
      r.fail(TOPIC_ENV[b], `${show(topics[b])} is also ${TOPIC_ENV[a]}; an output topic must be a topic of its own`);
    }
  });
  return topics;
}

function readPort(r: EnvReader, fallback: number): number {
  const value = r.get('HTTP_PORT');
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!PORT.test(value) || port > 65535) {
    r.fail('HTTP_PORT', `expected an integer 0..65535, got ${show(value)}`);
    return fallback;
  }
  return port;
}

/**
 * A broker (and the patched local mock, tools/mock-kafka) answers a fetch as soon as data
 * arrives, so this only bounds idle fetches.
 */
function readFetchMaxWait(r: EnvReader): number {
  const value = r.get('KAFKA_FETCH_MAX_WAIT_MS');
  if (value === undefined) return 100;
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms < 1 || ms > 60_000) {
    r.fail('KAFKA_FETCH_MAX_WAIT_MS', `expected whole milliseconds from 1 to 60000, got ${show(value)}`);
    return 100;
  }
  return ms;
}

function readSeconds(r: EnvReader, name: string, fallback: number, least = 0): number {
  const value = r.get(name);
  if (value === undefined) return fallback;
  if (!DECIMAL.test(value) || Number(value) < least) {
    r.fail(name, `expected a number of seconds >= ${least}, got ${show(value)}`);
    return fallback;
  }
  return Number(value);
}

/** A variable naming a file that must exist (CRM_POLICY_FILE, API_TOKENS_FILE). */
function readFilePath(r: EnvReader, name: string): string | null {
  const path = r.get(name);
  if (path === undefined) return null;
  try {
    if (!statSync(path).isFile()) r.fail(name, `not a regular file: ${show(path)}`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    r.fail(name, code === 'ENOENT' ? `file not found: ${show(path)}` : `cannot read ${show(path)} (${code ?? String(err)})`);
  }
  return path;
}

function readApiToken(r: EnvReader): string | null {
  const token = r.secret('API_TOKEN');
  if (token === undefined) return null;
  // HTTP strips surrounding whitespace from header values, so such a token could never match.
  if (token !== token.trim()) r.fail('API_TOKEN', 'must not start or end with whitespace (value not shown)');
  return token;
}

/**
 * Reads the service configuration from the environment (DESIGN section 3). Every problem is
 * collected; if there is any, one ConfigError lists them all, one per line, each starting with
 * the variable's name. Values of KAFKA_SASL_PASSWORD, REDIS_PASSWORD and API_TOKEN are never
 * echoed, nor URLs that cannot be parsed (they may carry passwords).
 */
export function loadServiceConfig(env: Env, defaults: ServiceDefaults): ServiceConfig {
  const r = new EnvReader(env);
  const config = readServiceConfig(r, defaults);
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

function readServiceConfig(r: EnvReader, defaults: ServiceDefaults): ServiceConfig {
  const needsKafka = defaults.needsKafka !== false;

  const brokers = readBrokers(r, needsKafka);
  const clientId = r.get('KAFKA_CLIENT_ID') ?? `bondstream-${defaults.service}`;
  const groupId = r.get('KAFKA_GROUP_ID') ?? defaults.groupId;
  const ssl = r.bool('KAFKA_SSL', false);
  const sasl = readSasl(r);
  const idempotent = r.bool('KAFKA_IDEMPOTENT', true);
  const fetchMaxWaitMs = readFetchMaxWait(r);

  const redis = readRedisTarget(r);
  const redisNamespace = r.get('REDIS_NAMESPACE') ?? DEFAULT_REDIS_NAMESPACE;
  if (!NAMESPACE.test(redisNamespace)) {
    r.fail('REDIS_NAMESPACE', `expected only a-z 0-9 _ -, got ${show(redisNamespace)}`);
  }
  const redisStateShards = readInt(r, 'REDIS_STATE_SHARDS', DEFAULT_STATE_SHARDS, 1, MAX_STATE_SHARDS);
  const redisWaitReplicas = readInt(r, 'REDIS_WAIT_REPLICAS', 0, 0, MAX_WAIT_REPLICAS);
  const schemaRegistryUrl = readSchemaRegistryUrl(r);
  const topics = readTopics(r);
  const httpPort = readPort(r, defaults.httpPort);
  const logLevel = r.choice('LOG_LEVEL', LOG_LEVELS) ?? 'info';
  const apiToken = readApiToken(r);
  const apiTokensFile = readFilePath(r, 'API_TOKENS_FILE');
  const policyFile = readFilePath(r, 'CRM_POLICY_FILE');
  const clock = r.choice('CRM_CLOCK', CLOCKS) ?? 'wall';
  const allowedLatenessSeconds = readSeconds(r, 'CRM_ALLOWED_LATENESS_SECONDS', 0);
  const idlePartitionSeconds = readSeconds(r, 'CRM_IDLE_PARTITION_SECONDS', DEFAULT_IDLE_PARTITION_SECONDS, 0.1);
  const relayLingerMs = readInt(r, 'OUTBOX_RELAY_LINGER_MS', 5, 0, 1_000);
  const relayGraceMs = readInt(r, 'OUTBOX_RELAY_GRACE_MS', 5_000, 0, 600_000);

  return {
    service: defaults.service,
    kafka: { brokers, clientId, groupId, ssl, sasl, idempotent, fetchMaxWaitMs },
    redis,
    redisNamespace,
    redisStateShards,
    redisWaitReplicas,
    schemaRegistryUrl,
    topics,
    httpPort,
    logLevel,
    apiToken,
    apiTokensFile,
    policyFile,
    clock,
    allowedLatenessSeconds,
    idlePartitionSeconds,
    relayLingerMs,
    relayGraceMs,
  };
}

export interface WebhookConfig {
  url: string;
  /** HMAC-SHA256 key of the signature header; never logged. */
  secret: string;
  maxAttempts: number;
  timeoutMs: number;
  /** First retry delay; doubles per attempt (with full jitter) up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Deliveries in flight at once. */
  concurrency: number;
}

export interface ActionsConfig extends ServiceConfig {
  /** null: no webhook, actions go to the topic only. */
  webhook: WebhookConfig | null;
}

function readInt(r: EnvReader, name: string, fallback: number, min: number, max: number): number {
  const value = r.get(name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    r.fail(name, `expected an integer ${min}..${max}, got ${show(value)}`);
    return fallback;
  }
  return n;
}

function readWebhook(r: EnvReader): WebhookConfig | null {
  const url = readUrl(r, 'WEBHOOK_URL', ['http:', 'https:'], 'credentials');
  const secret = r.secret('WEBHOOK_SECRET');
  const maxAttempts = readInt(r, 'WEBHOOK_MAX_ATTEMPTS', 6, 1, 100);
  const timeoutMs = readInt(r, 'WEBHOOK_TIMEOUT_MS', 5_000, 1, 600_000);
  const backoffMs = readInt(r, 'WEBHOOK_BACKOFF_MS', 1_000, 1, 3_600_000);
  const maxBackoffMs = readInt(r, 'WEBHOOK_MAX_BACKOFF_MS', 60_000, 1, 86_400_000);
  const concurrency = readInt(r, 'WEBHOOK_CONCURRENCY', 16, 1, 1_000);
  if (maxBackoffMs < backoffMs) r.fail('WEBHOOK_MAX_BACKOFF_MS', `must be >= WEBHOOK_BACKOFF_MS (${backoffMs}), got ${maxBackoffMs}`);
  if (url === undefined) {
    if (secret !== undefined) r.fail('WEBHOOK_SECRET', 'set, but WEBHOOK_URL is not');
    return null;
  }
  if (secret === undefined) {
    r.fail('WEBHOOK_SECRET', 'required when WEBHOOK_URL is set: receivers verify the signature with it');
    return null;
  }
  // Short keys make the HMAC guessable; 16 bytes is the floor most webhook senders enforce.
  if (Buffer.byteLength(secret) < 16) r.fail('WEBHOOK_SECRET', 'must be at least 16 bytes (value not shown)');
  return { url, secret, maxAttempts, timeoutMs, backoffMs, maxBackoffMs, concurrency };
}

/**
 * The actions service's configuration: the common variables (loadServiceConfig) plus the
 * webhook ones. Every problem of either is reported in one ConfigError.
 */
export function loadActionsConfig(env: Env, defaults: ServiceDefaults): ActionsConfig {
  const r = new EnvReader(env);
  const config = readServiceConfig(r, defaults);
  const webhook = readWebhook(r);
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return { ...config, webhook };
}
