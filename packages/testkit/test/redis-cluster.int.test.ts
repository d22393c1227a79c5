import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import {
  spawnTracked,
  startRedisCluster,
  stopProcess,
  waitFor,
  waitForLine,
  type LocalRedisCluster,
} from '@bondstream/testkit';

async function onNode<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

const role = (port: number): Promise<string> => onNode(port, async (c) => String(((await c.call('ROLE')) as unknown[])[0]));

/** true once nothing accepts a connection on 127.0.0.1:port */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

const KEYS = Array.from({ length: 300 }, (_, i) => `probe:${i}`);

describe('a local Redis Cluster', () => {
  let cluster: LocalRedisCluster | undefined;
  let client: Cluster | undefined;
  let victim = 0;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    client = new Cluster(cluster.seeds.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })));
  });
  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it('has three masters with a replica each, serving all 16384 slots', async () => {
    const c = cluster as LocalRedisCluster;
    expect(c.nodes).toHaveLength(6);
    expect(c.seeds).toBe(c.nodes.map((n) => `127.0.0.1:${n.port}`).join(','));
    const masters = await c.masters();
    expect(masters).toHaveLength(3);
    const roles = await Promise.all(c.nodes.map((n) => role(n.port)));
    expect(roles.filter((r) => r === 'master')).toHaveLength(3);
    expect(roles.filter((r) => r === 'slave')).toHaveLength(3);
    expect(c.nodes.filter((_, i) => roles[i] === 'master').map((n) => n.port).sort((a, b) => a - b)).toEqual(masters);
    const info = String(await onNode(masters[0] as number, (r) => r.call('CLUSTER', 'INFO')));
    expect(info).toMatch(/^cluster_state:ok\r$/m);
    expect(info).toMatch(/^cluster_slots_ok:16384\r$/m);
    expect(info).toMatch(/^cluster_known_nodes:6\r$/m);
    expect(info).toMatch(/^cluster_size:3\r$/m);
  });

  it('a SIGKILLed master is replaced by its replica and no acknowledged write is lost', async () => {
    const c = cluster as LocalRedisCluster;
    const redis = client as Cluster;
    for (const key of KEYS) await redis.set(key, `value of ${key}`);
    // Every master's replica has the writes, as the scorer makes sure with REDIS_WAIT_REPLICAS.
    for (const master of redis.nodes('master')) expect(await master.wait(1, 5_000)).toBe(1);
    victim = (await c.masters())[0] ?? 0;
    expect(victim).toBeGreaterThan(0);
    expect(await onNode(victim, (r) => r.dbsize())).toBeGreaterThan(0);

    const killedAt = Date.now();
    await c.kill(victim);
    expect(await refused(victim)).toBe(true);
    const masters = await waitFor('a replica to take over the killed master\'s slots', async () => {
      const now = await c.masters();
      return now.length === 3 && !now.includes(victim) ? now : undefined;
    }, { timeoutMs: 20_000, intervalMs: 100 });
    await c.waitHealthy({ replicas: 0, timeoutMs: 20_000 });
    console.info(`failover took ${Date.now() - killedAt} ms`);
    expect(masters).not.toContain(victim);

    const values = await waitFor('the keys to be readable through the cluster client', async () =>
      Promise.all(KEYS.map((key) => redis.get(key))), { timeoutMs: 20_000, intervalMs: 200 });
    expect(values).toEqual(KEYS.map((key) => `value of ${key}`));
  });

  it('the killed node, restarted, rejoins as a replica', async () => {
    const c = cluster as LocalRedisCluster;
    expect(victim).toBeGreaterThan(0);
    await c.restart(victim);
    await c.waitHealthy({ replicas: 1, timeoutMs: 20_000 });
    expect(await role(victim)).toBe('slave');
    expect(await c.masters()).not.toContain(victim);
    const roles = await Promise.all(c.nodes.map((n) => role(n.port)));
    expect(roles.filter((r) => r === 'master')).toHaveLength(3);
    expect(await (client as Cluster).get(KEYS[0] as string)).toBe(`value of ${KEYS[0]}`);
  });
});

describe('a Redis Cluster started by a process that is SIGKILLed', () => {
  const testkit = fileURLToPath(new URL('../dist/index.js', import.meta.url));

  it('dies with that process (the suite runs after `npm run build`)', async () => {
    expect(existsSync(testkit), `${testkit} is missing: run "npm run build" first`).toBe(true);
    const script = [
      `import { startRedisCluster } from ${JSON.stringify(testkit)};`,
      'const cluster = await startRedisCluster();',
      'console.log(`DIR=${cluster.nodes[0].dir}`);',
      'console.log(`PORTS=${cluster.nodes.map((n) => n.port).join(",")}`);',
      'setInterval(() => undefined, 1 << 30);',
    ].join('\n');
    const child = spawnTracked(process.execPath, ['--input-type=module', '-e', script]);
    let nodeDir: string | undefined;
    child.stdout?.on('data', (chunk: Buffer) => void (nodeDir ??= /^DIR=(.+)$/m.exec(chunk.toString())?.[1]));
    try {
      const [, list] = await waitForLine(child, /^PORTS=(.+)$/, 30_000);
      const ports = (list as string).split(',').map(Number);
      expect(ports).toHaveLength(6);
      for (const port of ports) expect(await onNode(port, (r) => r.ping())).toBe('PONG');

      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL'); // no exit hook runs
      await exited;
      const buses = ports.map((port) => port + 10_000);
      await waitFor('no redis-server to listen on the dead process\'s ports', async () => {
        const closed = await Promise.all([...ports, ...buses].map(refused));
        return closed.every(Boolean) ? true : undefined;
      }, { timeoutMs: 10_000 });
    } finally {
      await stopProcess(child);
      // Nobody is left to remove the nodes' directories of a SIGKILLed process.
      if (nodeDir) rmSync(dirname(nodeDir), { recursive: true, force: true });
    }
  });
});
