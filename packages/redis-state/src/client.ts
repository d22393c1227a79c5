import { Cluster, Redis } from 'ioredis';
import type { RedisTarget } from '@bondstream/config';

/**
 * One Redis server or a Redis Cluster: every module of this package takes either. Commands on
 * one key run on it as they are (ioredis' Cluster routes them and follows MOVED, ASK, TRYAGAIN
 * and CLUSTERDOWN itself); commands on many keys go through a CommandBatch (batch.ts), which
 * splits them per cluster node.
 */
export type RedisClient = Redis | Cluster;

export interface ConnectOptions {
  /** shows in CLIENT LIST (`bondstream-scorer-batches`, say) */
  connectionName: string;
  /** how often ioredis retries a command on a lost connection before failing it (the caller retries the batch) */
  maxRetriesPerRequest?: number;
  onError?: (error: Error) => void;
}

export function isCluster(client: RedisClient): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/** Connects in the mode the configuration names (REDIS_URL or REDIS_CLUSTER_NODES). */
export function connectRedis(target: RedisTarget, options: ConnectOptions): RedisClient {
  const maxRetriesPerRequest = options.maxRetriesPerRequest ?? 3;
  const client: RedisClient = target.mode === 'single'
    ? new Redis(target.url, { maxRetriesPerRequest, enableReadyCheck: true, connectionName: options.connectionName })
    : new Cluster(target.nodes.map(({ host, port }) => ({ host, port })), {
      // Writes and the reads that decide them (compare-and-set, dedupe) must see the same node.
      scaleReads: 'master',
      enableReadyCheck: true,
      redisOptions: {
        connectionName: options.connectionName,
        maxRetriesPerRequest,
        ...(target.username === null ? {} : { username: target.username }),
        ...(target.password === null ? {} : { password: target.password }),
        ...(target.tls ? { tls: {} } : {}),
      },
      // A failover takes the cluster-node-timeout plus an election: keep retrying single
      // commands across it rather than failing them at the first CLUSTERDOWN.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 100,
      maxRedirections: 64,
      slotsRefreshTimeout: 2_000,
      clusterRetryStrategy: (attempts) => Math.min(100 * attempts, 2_000),
    });
  if (options.onError) client.on('error', options.onError);
  return client;
}

/** Closes a connection (or every connection of a cluster client), waiting for replies in flight. */
export async function closeRedis(client: RedisClient): Promise<void> {
  await client.quit().catch(() => client.disconnect());
}

/** Whether the client can take commands now (for /readyz). */
export function redisReady(client: RedisClient): boolean {
  return client.status === 'ready';
}
