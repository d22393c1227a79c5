import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { spawnTracked, stopProcess, waitForLine } from './processes.js';

/** The helper built by scripts/setup.sh from tools/mock-kafka/mock-kafka.c. */
export const mockKafkaBinary = fileURLToPath(new URL('../../../.local/bin/mock-kafka', import.meta.url));

export interface MockKafka {
  brokers: string;
  /** Takes a broker down or up (ids start at 1). */
  setBroker(id: number, state: 'down' | 'up'): Promise<void>;
  stop(): Promise<void>;
}

export interface MockKafkaOptions {
  topics: string[];
  partitions?: number;
  brokers?: number;
}

/** Starts librdkafka's mock cluster with the given topics already created. */
export async function startMockKafka(options: MockKafkaOptions): Promise<MockKafka> {
  if (!existsSync(mockKafkaBinary)) {
    throw new Error(`${mockKafkaBinary} is missing: run "npm run setup" (scripts/setup.sh) first`);
  }
  const args = ['--brokers', String(options.brokers ?? 1), '--partitions', String(options.partitions ?? 4), ...options.topics];
  const child: ChildProcess = spawnTracked(mockKafkaBinary, args);
  child.stderr?.resume();
  const [, brokers] = await waitForLine(child, /^BOOTSTRAP=(.+)$/, 10_000);
  return {
    brokers: brokers as string,
    async setBroker(id, state) {
      const ack = waitForLine(child, new RegExp(`^OK ${state} ${id}$`), 5_000);
      child.stdin?.write(`${state} ${id}\n`);
      await ack;
    },
    async stop() {
      child.stdin?.end();
      await stopProcess(child);
    },
  };
}
