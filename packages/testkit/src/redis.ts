import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, spawnTracked, stopProcess, waitFor } from './processes.js';

export interface LocalRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts a private redis-server on a free port with a temporary directory. */
export async function startRedis(options: { appendOnly?: boolean } = {}): Promise<LocalRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'bondstream-redis-'));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawnTracked('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', options.appendOnly ? 'yes' : 'no', '--protected-mode', 'no',
    ]);
    child.stdout?.resume();
    child.stderr?.resume();
    const url = `redis://127.0.0.1:${port}`;
    try {
      await waitFor('redis-server to answer PING', async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        client.on('error', () => undefined); // a refused probe is expected until the server listens
        try {
          await client.connect();
          return (await client.ping()) === 'PONG' ? true : undefined;
        } finally {
          client.disconnect();
        }
      }, { timeoutMs: 10_000 });
    } catch (error) {
      await stopProcess(child);
      if (attempt < 3) continue; // the free port was taken between probe and bind
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return {
      url,
      port,
      async stop() {
        await stopProcess(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

/** A private redis-server and one client of it: what most integration tests start first. */
export interface RedisWithClient {
  server: LocalRedis;
  redis: Redis;
  /** Disconnects the client and stops the server. */
  stop(): Promise<void>;
}

export async function startRedisWithClient(): Promise<RedisWithClient> {
  const server = await startRedis();
  const redis = new Redis(server.url);
  return {
    server,
    redis,
    async stop() {
      redis.disconnect();
      await server.stop();
    },
  };
}

/** Keys of one node matching a pattern, by SCAN (a cluster node holds only its own slots' keys). */
export async function countKeys(node: Redis, pattern: string): Promise<number> {
  let count = 0;
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 5_000);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}
