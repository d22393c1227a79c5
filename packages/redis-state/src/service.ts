import type { RedisTarget } from '@bondstream/config';
import { Counter, type Registry } from 'prom-client';
import { setDurability } from './batch.js';
import { connectRedis, type RedisClient } from './client.js';
import type { KeySpace } from './keys.js';
import { openStateLayout, ShardCountMismatch } from './state-layout.js';

/** What a service's Redis settings are (the REDIS_* variables of DESIGN 3). */
export interface ServiceRedisConfig {
  redis: RedisTarget;
  redisNamespace: string;
  redisStateShards: number;
  redisWaitReplicas: number;
}

/** Where a service's Redis clients report (its logger and metrics). */
export interface RedisReporting {
  warn(details: Record<string, unknown>, message: string): void;
  /** a WAIT came back short and is sent again */
  waitShort?(): void;
  /** commands re-sent after a redirect, a cluster state error or a lost connection */
  retried?(reason: string, commands: number): void;
}

/** How long one WAIT blocks before it is counted short and sent again. */
const WAIT_TIMEOUT_MS = 1_000;

/**
 * A service's connection to its Redis (one server or a cluster), named for CLIENT LIST, with
 * REDIS_WAIT_REPLICAS applied to its durable batches and its errors and retries reported.
 */
export function openServiceRedis(config: ServiceRedisConfig, connectionName: string, reporting: RedisReporting): RedisClient {
  const client = connectRedis(config.redis, {
    connectionName,
    onError: (error) => reporting.warn({ err: error, connection: connectionName }, 'redis connection error'),
  });
  setDurability(client, {
    waitReplicas: config.redisWaitReplicas,
    waitTimeoutMs: WAIT_TIMEOUT_MS,
    onWaitShort: (info) => {
      reporting.waitShort?.();
      reporting.warn({ ...info, timeoutMs: WAIT_TIMEOUT_MS, connection: connectionName },
        'WAIT: fewer replicas than REDIS_WAIT_REPLICAS acknowledged the writes; waiting again before committing offsets');
    },
    onRetry: (info) => reporting.retried?.(info.reason, info.commands),
  });
  return client;
}

/**
 * The service's keyspace, after checking REDIS_STATE_SHARDS against the namespace's recorded
 * shard count (recording it if the namespace is new). A mismatch stops the service with exit
 * status 2 and a message naming both values, like any other configuration error.
 */
export async function openKeySpaceOrExit(client: RedisClient, config: ServiceRedisConfig): Promise<KeySpace> {
  try {
    return await openStateLayout(client, config.redisNamespace, config.redisStateShards);
  } catch (error) {
    if (!(error instanceof ShardCountMismatch)) throw error;
    process.stderr.write(`bondstream: configuration error: ${error.message}\n`);
    return process.exit(2);
  }
}

/**
 * A service's RedisReporting: warnings to its logger, WAITs and retries to two counters on its
 * registry (made once per registry; the scorer's two connections share them).
 */
export function redisReporting(logger: { warn(details: Record<string, unknown>, message: string): void }, registry: Registry): RedisReporting {
  const waitShort = (registry.getSingleMetric('bondstream_redis_wait_short_total') as Counter | undefined) ?? new Counter({
    name: 'bondstream_redis_wait_short_total',
    help: 'WAITs that came back with fewer replicas than REDIS_WAIT_REPLICAS (each is sent again; offsets wait)',
    registers: [registry],
  });
  const retries = (registry.getSingleMetric('bondstream_redis_retried_commands_total') as Counter<'reason'> | undefined) ?? new Counter({
    name: 'bondstream_redis_retried_commands_total',
    help: 'Commands of a batch sent again after a redirect (MOVED, ASK), a cluster state error (TRYAGAIN, CLUSTERDOWN) or a lost connection',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  return {
    warn: (details, message) => logger.warn(details, message),
    waitShort: () => waitShort.inc(),
    retried: (reason, commands) => retries.inc({ reason: retryReason(reason) }, commands),
  };
}

/** A bounded label value: the error's code word, or `connection`. */
function retryReason(reason: string): string {
  return /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN|LOADING|READONLY|MASTERDOWN)$/.test(reason) ? reason.toLowerCase() : 'connection';
}
