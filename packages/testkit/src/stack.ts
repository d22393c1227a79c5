import { DEFAULT_TOPICS } from '@bondstream/contracts';
import { startMockKafka, type MockKafka } from './kafka.js';
import { startRedis, type LocalRedis } from './redis.js';
import { startRedisCluster, type LocalRedisCluster } from './redis-cluster.js';

/** The five topics of DESIGN section 3 as local runs create them: 4 partitions, the DLQ 1. */
export const LOCAL_TOPICS = [
  `${DEFAULT_TOPICS.orders}:4`,
  `${DEFAULT_TOPICS.interactions}:4`,
  `${DEFAULT_TOPICS.segmentChanges}:4`,
  `${DEFAULT_TOPICS.actions}:4`,
  `${DEFAULT_TOPICS.dlq}:1`,
];

export interface LocalStack {
  redis: LocalRedis;
  kafka: MockKafka;
  stop(): Promise<void>;
}

/**
 * A private Redis and a mock broker with the five topics (or the given `name:partitions`): what tests, `npm run demo` and
 * `npm run local:up` all run on. If either fails to start, the other is stopped again.
 */
export async function startLocalStack(options: { topics?: readonly string[] } = {}): Promise<LocalStack> {
  const [redis, kafka] = await startBoth(startRedis(), options.topics ?? LOCAL_TOPICS);
  return { redis, kafka, stop: async () => void (await Promise.all([kafka.stop(), redis.stop()])) };
}

export interface LocalClusterStack {
  cluster: LocalRedisCluster;
  kafka: MockKafka;
  stop(): Promise<void>;
}

/** The same with a local Redis Cluster (3 masters, 1 replica each) instead of one redis-server. */
export async function startLocalClusterStack(): Promise<LocalClusterStack> {
  const [cluster, kafka] = await startBoth(startRedisCluster());
  return { cluster, kafka, stop: async () => void (await Promise.all([kafka.stop(), cluster.stop()])) };
}

async function startBoth<R extends { stop(): Promise<void> }>(starting: Promise<R>, topics: readonly string[] = LOCAL_TOPICS): Promise<[R, MockKafka]> {
  const [redis, kafka] = await Promise.allSettled([starting, startMockKafka({ topics: [...topics] })]);
  if (redis.status === 'rejected' || kafka.status === 'rejected') {
    await Promise.allSettled([redis, kafka].map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw redis.status === 'rejected' ? redis.reason : (kafka as PromiseRejectedResult).reason;
  }
  return [redis.value, kafka.value];
}
