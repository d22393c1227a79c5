#!/usr/bin/env node
// `npm run local:up`: a private redis-server and librdkafka's mock Kafka cluster (with the five
// bondstream topics already created: the mock cannot create topics through the admin API) in the
// foreground. Prints KAFKA_BROKERS=… and REDIS_URL=… on stdout, then READY; stops both on
// Ctrl-C or SIGTERM. Hints go to stderr so stdout stays machine-readable, e.g.:
//   eval "$(npm run -s local:up | sed '/^READY$/q')"   (in another shell, or read the lines)
// With --cluster, a local Redis Cluster (3 masters, 1 replica each) instead of the one
// redis-server, and REDIS_CLUSTER_NODES=… (its seeds) instead of REDIS_URL=….
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = `usage: node scripts/local-up.mjs [--cluster]   (npm run local:up -- [--cluster])
  --cluster   a local Redis Cluster (3 masters, 1 replica each) instead of one redis-server;
              prints REDIS_CLUSTER_NODES=… instead of REDIS_URL=…`;

let args;
try {
  ({ values: args } = parseArgs({
    strict: true,
    allowPositionals: false,
    options: { cluster: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  }));
} catch (error) {
  console.error(`local-up: ${error.message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const testkitEntry = fileURLToPath(new URL('../packages/testkit/dist/index.js', import.meta.url));
if (!existsSync(testkitEntry)) {
  console.error(`local-up: ${testkitEntry} is missing: run "npm run build" first`);
  process.exit(1);
}
const { startLocalClusterStack, startLocalStack } = await import('../packages/testkit/dist/index.js');

/** Topic names: the defaults of DESIGN section 3, overridable by the same env as the services. */
const TOPICS = {
  orders: process.env.TOPIC_ORDERS || 'crm.orders.v1',
  interactions: process.env.TOPIC_INTERACTIONS || 'crm.interactions.v1',
  segmentChanges: process.env.TOPIC_SEGMENT_CHANGES || 'crm.segment-changes.v1',
  actions: process.env.TOPIC_ACTIONS || 'crm.customer-actions.v1',
  dlq: process.env.TOPIC_DLQ || 'crm.dlq.v1',
};

let stopping = false;
let redis; // a LocalRedis, or with --cluster a LocalRedisCluster
let kafka;

async function stop(code) {
  if (stopping) return;
  stopping = true;
  console.error('local-up: stopping Kafka and Redis');
  await Promise.allSettled([kafka?.stop(), redis?.stop()]);
  process.exit(code);
}

// The testkit kills its children and exits 130 on the first signal; here Ctrl-C is the normal
// way to stop, so it gets an orderly stop and exit code 0 instead.
function takeOverSignals() {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (stopping) process.exit(130); // a second Ctrl-C: the testkit's exit hook kills the children
      void stop(0);
    });
  }
}

takeOverSignals();
try {
  if (args.cluster) ({ cluster: redis, kafka } = await startLocalClusterStack());
  else ({ redis, kafka } = await startLocalStack());
  takeOverSignals();
} catch (error) {
  console.error(`local-up: ${error instanceof Error ? error.message : String(error)}`);
  await stop(1);
}

console.log(`KAFKA_BROKERS=${kafka.brokers}`);
console.log(args.cluster ? `REDIS_CLUSTER_NODES=${redis.seeds}` : `REDIS_URL=${redis.url}`);
console.error(
  `local-up: topics ${Object.values(TOPICS).join(', ')} (4 partitions, the DLQ 1). The mock broker needs ` +
    'KAFKA_IDEMPOTENT=false for producers and keeps everything in memory. Ctrl-C stops both.',
);
console.log('READY');

// Keep the process alive until a signal arrives.
setInterval(() => undefined, 1 << 30);
