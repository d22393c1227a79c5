#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { isEntryPoint, parseCommandLine, parseFlags, runProgram, UsageError } from '@bondstream/cli-kit';
import { DAY_MS, generateShoppers, normalizeMix } from './generate.js';
import { DEFAULT_PUBLISH_TOPICS, publishEvents } from './publish.js';
import { ARCHETYPES, type Archetype, type ArchetypeMix, type InputEvent } from './types.js';

export const USAGE = `usage: simulate [options]

Generates a seeded synthetic shopper population of known archetypes (loyal_high_margin,
seasonal_big_spender, loyal_thin_margin, one_time) over a history ending now, and publishes
its order and interaction events to Kafka, keyed by customerId.

  --brokers <host:port,...>   Kafka bootstrap servers (default: $KAFKA_BROKERS)
  --customers <n>             number of customers (default 200)
  --seed <int>                PRNG seed; same seed, same events (default 1)
  --tenant <id>               tenantId of every event (default demo)
  --days <n>                  length of the history in days, ending at --end (default 400)
  --end <iso-time>            end of the history (default now; never in the future)
  --mix <a=w,...>             archetype weights, e.g. loyal_high_margin=3,one_time=1
  --rate <events/s>           publishing pace (default: as fast as possible)
  --labels <file>             write the ground-truth labels as JSON lines
  --topic-orders <topic>      (default $TOPIC_ORDERS or crm.orders.v1)
  --topic-interactions <t>    (default $TOPIC_INTERACTIONS or crm.interactions.v1)
  --idempotent <true|false>   idempotent producer (default $KAFKA_IDEMPOTENT or true;
                              false for librdkafka's mock cluster)
  --dry-run                   print the events as JSON lines on stdout, publish nothing
  --help                      this text`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  now: () => number;
  /** Aborts publishing (Ctrl-C). */
  signal?: AbortSignal;
}

interface CliOptions {
  brokers: string[];
  customers: number;
  seed: number;
  tenant: string;
  days: number;
  endMs: number;
  mix: ArchetypeMix | undefined;
  rate: number | undefined;
  labels: string | undefined;
  topics: { orders: string; interactions: string };
  idempotent: boolean;
  dryRun: boolean;
}

function parseNumber(flag: string, raw: string | undefined, fallback: number, check: (n: number) => boolean, expected: string): number {
  if (raw === undefined) return fallback;
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`${flag} must be ${expected}, got "${raw}"`);
  return n;
}

function parseBoolean(flag: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new UsageError(`${flag} must be true or false, got "${raw}"`);
}

function parseMix(raw: string): ArchetypeMix {
  const mix: ArchetypeMix = {};
  for (const part of raw.split(',')) {
    const [name, weight, ...rest] = part.split('=');
    if (!name || weight === undefined || rest.length > 0) {
      throw new UsageError(`--mix must look like loyal_high_margin=3,one_time=1, got "${raw}"`);
    }
    if (!(ARCHETYPES as readonly string[]).includes(name.trim())) {
      throw new UsageError(`--mix: unknown archetype "${name}" (known: ${ARCHETYPES.join(', ')})`);
    }
    mix[name.trim() as Archetype] = parseNumber('--mix weight', weight, 0, (n) => n >= 0, 'a number ≥ 0');
  }
  try {
    normalizeMix(mix);
  } catch (error) {
    throw new UsageError(`--mix: ${(error as Error).message}`);
  }
  return mix;
}

function parseCli(argv: string[], io: CliIo): CliOptions | 'help' {
  const values = parseFlags(argv, {
    brokers: { type: 'string' },
    customers: { type: 'string' },
    seed: { type: 'string' },
    tenant: { type: 'string' },
    days: { type: 'string' },
    end: { type: 'string' },
    mix: { type: 'string' },
    rate: { type: 'string' },
    labels: { type: 'string' },
    'topic-orders': { type: 'string' },
    'topic-interactions': { type: 'string' },
    idempotent: { type: 'string' },
    'dry-run': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  const dryRun = values['dry-run'] ?? false;
  const nowMs = io.now();

  const brokersRaw = values.brokers ?? io.env.KAFKA_BROKERS ?? '';
  const brokers = brokersRaw.split(',').map((b) => b.trim()).filter((b) => b.length > 0);
  for (const b of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b)) throw new UsageError(`--brokers: "${b}" is not host:port`);
  }

  const customers = parseNumber('--customers', values.customers, 200, (n) => Number.isInteger(n) && n >= 1 && n <= 1_000_000, 'an integer from 1 to 1000000');
  const seed = parseNumber('--seed', values.seed, 1, (n) => Number.isSafeInteger(n), 'an integer');
  const days = parseNumber('--days', values.days, 400, (n) => n > 0 && n <= 3650, 'a number of days > 0 and ≤ 3650');
  const rate = values.rate === undefined ? undefined : parseNumber('--rate', values.rate, 0, (n) => n > 0, 'a number of events per second > 0');

  let endMs = nowMs;
  if (values.end !== undefined) {
    endMs = Date.parse(values.end);
    if (!Number.isFinite(endMs)) throw new UsageError(`--end must be an ISO-8601 time, got "${values.end}"`);
    // The scorer dead-letters events from the future; the simulated history must be past.
    if (endMs > nowMs) throw new UsageError(`--end must not be in the future, got "${values.end}"`);
  }

  const tenant = values.tenant ?? 'demo';
  if (tenant.length === 0 || tenant.length > 100 || /[{}]/.test(tenant)) {
    throw new UsageError(`--tenant must be 1–100 characters without '{' or '}', got "${tenant}"`);
  }

  const topics = {
    orders: values['topic-orders'] ?? io.env.TOPIC_ORDERS ?? DEFAULT_PUBLISH_TOPICS.orders,
    interactions: values['topic-interactions'] ?? io.env.TOPIC_INTERACTIONS ?? DEFAULT_PUBLISH_TOPICS.interactions,
  };
  for (const [flag, topic] of [['--topic-orders', topics.orders], ['--topic-interactions', topics.interactions]] as const) {
    if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) throw new UsageError(`${flag}: "${topic}" is not a valid Kafka topic name`);
  }

  const idempotentRaw = values.idempotent ?? io.env.KAFKA_IDEMPOTENT;
  const idempotent = idempotentRaw === undefined || idempotentRaw === '' ? true : parseBoolean(values.idempotent === undefined ? 'KAFKA_IDEMPOTENT' : '--idempotent', idempotentRaw);

  if (!dryRun && brokers.length === 0) throw new UsageError('no Kafka brokers: pass --brokers host:port or set KAFKA_BROKERS (or use --dry-run)');

  return {
    brokers, customers, seed, tenant, days, endMs, rate, dryRun, topics, idempotent,
    mix: values.mix === undefined ? undefined : parseMix(values.mix),
    labels: values.labels,
  };
}

function countBy<T extends string>(values: readonly T[], order: readonly T[]): string {
  const counts = new Map<T, number>(order.map((k) => [k, 0]));
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}`).join(', ');
}

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[], ioOverrides: Partial<CliIo> = {}): Promise<number> {
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    now: () => Date.now(),
    ...ioOverrides,
  };
  const options = parseCommandLine('simulate', USAGE, () => parseCli(argv, io), io);
  if ('exitCode' in options) return options.exitCode;

  const { shoppers, events } = generateShoppers({
    seed: options.seed,
    customers: options.customers,
    tenantId: options.tenant,
    startMs: options.endMs - options.days * DAY_MS,
    endMs: options.endMs,
    ...(options.mix ? { mix: options.mix } : {}),
  });

  if (options.labels !== undefined) {
    try {
      writeFileSync(options.labels, shoppers.map((s) => JSON.stringify(s)).join('\n') + (shoppers.length ? '\n' : ''));
    } catch (error) {
      io.stderr(`simulate: cannot write --labels ${options.labels}: ${(error as Error).message}\n`);
      return 1;
    }
  }

  const population = `${shoppers.length} customers (${countBy(shoppers.map((s) => s.archetype), ARCHETYPES)})`;
  if (options.dryRun) {
    for (let i = 0; i < events.length; i += 1000) {
      io.stdout(events.slice(i, i + 1000).map((e) => `${JSON.stringify(e)}\n`).join(''));
    }
    io.stderr(`simulate: dry run, ${describeEvents(events)}, ${population}\n`);
    return 0;
  }

  const kafka = new Kafka({
    clientId: 'bondstream-simulator',
    brokers: options.brokers,
    logLevel: logLevel.NOTHING, // failures are reported below, once, in plain words
    retry: { retries: 5 },
  });
  const producer = kafka.producer({
    idempotent: options.idempotent,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    ...(options.idempotent ? { maxInFlightRequests: 1 } : {}),
  });
  let lastReport = performance.now();
  try {
    await producer.connect();
    const result = await publishEvents(producer, events, {
      topics: options.topics,
      ...(options.rate === undefined ? {} : { rate: options.rate }),
      ...(io.signal ? { signal: io.signal } : {}),
      onProgress: ({ sent, total, elapsedMs }) => {
        if (performance.now() - lastReport < 10_000) return;
        lastReport = performance.now();
        io.stderr(`simulate: ${sent}/${total} events sent (${Math.round(sent / (elapsedMs / 1000))}/s)\n`);
      },
    });
    const seconds = result.elapsedMs / 1000;
    io.stdout(
      `simulate: ${result.aborted ? `interrupted after ${result.sent} of ${events.length} events` : `${result.sent} events`} ` +
        `(${result.orders} orders, ${result.interactions} interactions), ${population}, ` +
        `${seconds.toFixed(1)} s, ${Math.round(result.sent / Math.max(seconds, 0.001))} events/s ` +
        `→ ${options.topics.orders}, ${options.topics.interactions} at ${options.brokers.join(',')}\n`,
    );
    return result.aborted ? 130 : 0;
  } catch (error) {
    io.stderr(`simulate: publishing to ${options.brokers.join(',')} failed: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

function describeEvents(events: readonly InputEvent[]): string {
  const interactions = events.filter((e) => e.type === 'interaction').length;
  return `${events.length} events (${events.length - interactions} orders, ${interactions} interactions)`;
}

if (isEntryPoint(import.meta.url)) {
  runProgram('simulate', (argv, signal) => main(argv, { signal }), { stopping: 'stopping after the current batch' });
}
