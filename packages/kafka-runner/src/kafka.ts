import { Kafka, logLevel, Partitioners, type Admin, type KafkaConfig, type Producer, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | null;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own logs go through the service's pino logger. */
export function createKafka(settings: KafkaSettings, logger: Logger): Kafka {
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: settings.brokers,
    ssl: settings.ssl,
    // kafkajs is chatty at info: its own logs start at warn unless the service runs at debug/trace.
    logLevel: ['debug', 'trace'].includes(logger.level) ? logLevel.DEBUG : logLevel.WARN,
    logCreator: () => ({ namespace, level, log }) => {
      const { message, ...extra } = log;
      logger[LEVELS[level] ?? 'info']({ kafkajs: namespace, ...extra }, message);
    },
  };
  if (settings.sasl) config.sasl = { ...settings.sasl } as SASLOptions;
  return new Kafka(config);
}

/**
 * The connected producer a service publishes with (outputs and dead letters). The Java-compatible
 * murmur2 partitioner: messages keyed by customerId land on the same partition as a Java or
 * librdkafka producer would put them.
 */
export async function connectProducer(kafka: Kafka, idempotent: boolean): Promise<Producer> {
  const producer = kafka.producer({
    idempotent,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return producer;
}

/**
 * Every partition of some topics and whether a consumer group has a backlog on it: its committed
 * offset (or the log start, before any commit) is behind the partition's end. What the broker
 * says, so it holds while the partition has no owner (a rebalance) or its owner has not applied
 * a batch yet.
 */
export async function fetchBacklogs(admin: Admin, groupId: string, topics: readonly string[]): Promise<{ topic: string; partition: number; behind: boolean }[]> {
  const committed = new Map<string, bigint>();
  for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
    for (const { partition, offset } of partitions) committed.set(`${topic}/${partition}`, BigInt(offset));
  }
  const backlogs: { topic: string; partition: number; behind: boolean }[] = [];
  for (const topic of topics) {
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
      const from = committed.get(`${topic}/${partition}`) ?? -1n;
      backlogs.push({ topic, partition, behind: BigInt(high) > (from < 0n ? BigInt(low) : from) });
    }
  }
  return backlogs;
}
