import { Kafka, logLevel, Partitioners, type KafkaConfig, type Producer, type SASLOptions } from 'kafkajs';
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

/** Every partition of some topics, from the cluster's metadata (an admin connection for the call). */
export async function fetchPartitions(kafka: Kafka, topics: readonly string[]): Promise<{ topic: string; partition: number }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
    return metadata.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionId })));
  } finally {
    await admin.disconnect();
  }
}
