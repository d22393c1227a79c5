import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { spawnBoundToParent, waitFor } from './processes.js';

export interface ClusterNodeProcess {
  host: '127.0.0.1';
  port: number;
  dir: string;
}

export interface LocalRedisCluster {
  /** comma-separated host:port of every node, for REDIS_CLUSTER_NODES */
  seeds: string;
  nodes: ClusterNodeProcess[];
  /** ports of the current masters (asked of the cluster, CLUSTER NODES) */
  masters(): Promise<number[]>;
  /** SIGKILL one node's process (a crash) */
  kill(port: number): Promise<void>;
  /** start a killed node again on the same port and directory (it rejoins, as a replica after a failover) */
  restart(port: number): Promise<void>;
  /** resolves when cluster_state is ok, all 16384 slots are served and every master has `replicas` connected replicas */
  waitHealthy(options?: { timeoutMs?: number; replicas?: number }): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  /** at least 3, as `redis-cli --cluster create` requires (default 3) */
  masters?: number;
  /** default 1 */
  replicasPerMaster?: number;
  /** `cluster-node-timeout`: how long a silent master takes to be failed over (default 1000 ms) */
  nodeTimeoutMs?: number;
  appendOnly?: boolean;
}

const HOST = '127.0.0.1';
const SLOTS = 16_384;
/** A cluster node also listens on its port + 10000 for the cluster bus. */
const BUS_OFFSET = 10_000;

interface NodeState extends ClusterNodeProcess {
  index: number;
  child: ChildProcess | undefined;
  /** the end of the node's log (redis-server logs to stdout), for error messages */
  log: string;
}

const running = (node: NodeState): node is NodeState & { child: ChildProcess } =>
  node.child !== undefined && node.child.exitCode === null && node.child.signalCode === null;

/**
 * Node ports come from below the kernel's ephemeral range, with their bus ports: outgoing
 * connections take local ports from that range, and one could otherwise hold a killed node's
 * port (or bus port) when it restarts.
 */
function portRange(): [number, number] {
  let ephemeralLow = 32_768;
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 0) ephemeralLow = low;
  } catch {
    // not Linux: keep the usual default
  }
  const high = ephemeralLow - BUS_OFFSET - 1;
  return high - 10_000 >= 1_000 ? [10_000, high] : [1_024, 65_535 - BUS_OFFSET];
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** A port whose bus port is free too; `reserved` holds the ports and bus ports of this cluster's nodes. */
async function pickPorts(reserved: Set<number>): Promise<number> {
  const [low, high] = portRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (reserved.has(port) || reserved.has(port + BUS_OFFSET)) continue;
    reserved.add(port).add(port + BUS_OFFSET);
    if ((await isFree(port)) && (await isFree(port + BUS_OFFSET))) return port;
    reserved.delete(port);
    reserved.delete(port + BUS_OFFSET);
  }
  throw new Error(`no free pair of ports (port and port + ${BUS_OFFSET}) found in ${low}-${high}`);
}

/** Starts redis-server for `node` and resolves when it accepts connections. */
function launch(node: NodeState, config: { nodeTimeoutMs: number; appendOnly: boolean }): Promise<void> {
  const child = spawnBoundToParent('redis-server', [
    '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
    '--cluster-node-timeout', String(config.nodeTimeoutMs),
    '--port', String(node.port), '--bind', HOST, '--dir', node.dir, '--save', '',
    '--appendonly', config.appendOnly ? 'yes' : 'no', '--protected-mode', 'no',
    // A master waits this long for more replicas before a full sync (default 5 s): here, for nothing.
    '--repl-diskless-sync-delay', '0',
  ]);
  node.child = child;
  node.log = '';
  child.stderr?.resume();
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      settle(new Error(`redis-server on port ${node.port} was not ready after 10 s: ${node.log.trim()}`));
      child.kill('SIGKILL');
    }, 10_000);
    const settle = (error?: Error): void => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      node.log = (node.log + chunk.toString()).slice(-4_000);
      if (node.log.includes('Ready to accept connections')) settle();
    });
    child.once('error', (error) => settle(new Error(`cannot start redis-server through setpriv: ${error.message}`)));
    child.once('exit', (code, signal) =>
      settle(new Error(`redis-server on port ${node.port} exited (${signal ?? code}) before it was ready: ${node.log.trim()}`)));
  });
}

async function killNode(node: NodeState): Promise<void> {
  if (!running(node)) return;
  const exited = new Promise<void>((resolve) => node.child.once('exit', () => resolve()));
  node.child.kill('SIGKILL');
  await exited;
}

const addressInUse = (error: unknown): boolean => error instanceof Error && /address already in use/i.test(error.message);

async function onNode<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    host: HOST, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null,
    connectTimeout: 2_000, commandTimeout: 2_000,
  });
  client.on('error', () => undefined); // a node that is down is an answer, reported by the caller
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

interface NodeLine {
  id: string;
  port: number;
  flags: string[];
  masterId: string;
  slots: number;
}

function parseClusterNodes(text: string): NodeLine[] {
  return text.trim().split('\n').map((line) => {
    const [id = '', address = '', flags = '', masterId = '', , , , , ...slots] = line.trim().split(' ');
    const port = Number(/:(\d+)@/.exec(address)?.[1]);
    let count = 0;
    for (const range of slots) {
      if (range.startsWith('[')) continue; // a slot being imported or migrated
      const [from, to = from] = range.split('-').map(Number);
      count += (to as number) - (from as number) + 1;
    }
    return { id, port, flags: flags.split(','), masterId, slots: count };
  });
}

const failed = (n: NodeLine): boolean => n.flags.some((f) => f === 'fail' || f === 'fail?' || f === 'noaddr' || f === 'handshake');
const isMaster = (n: NodeLine): boolean => n.flags.includes('master') && !failed(n);

/**
 * A Redis Cluster of Debian's redis-server on free ports of 127.0.0.1, each node with its own
 * temporary directory, joined by `redis-cli --cluster create`; resolves once healthy. The nodes
 * die with this process however it ends (see spawnBoundToParent); stop() them when done.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<LocalRedisCluster> {
  const masterCount = options.masters ?? 3;
  const replicasPerMaster = options.replicasPerMaster ?? 1;
  const config = { nodeTimeoutMs: options.nodeTimeoutMs ?? 1_000, appendOnly: options.appendOnly ?? false };
  if (!Number.isInteger(masterCount) || masterCount < 3) throw new Error(`masters must be an integer ≥ 3, got ${masterCount}`);
  if (!Number.isInteger(replicasPerMaster) || replicasPerMaster < 0) throw new Error(`replicasPerMaster must be an integer ≥ 0, got ${replicasPerMaster}`);
  if (!Number.isInteger(config.nodeTimeoutMs) || config.nodeTimeoutMs < 100) throw new Error(`nodeTimeoutMs must be an integer ≥ 100, got ${config.nodeTimeoutMs}`);

  const base = mkdtempSync(join(tmpdir(), 'bondstream-redis-cluster-'));
  const nodes: NodeState[] = [];
  const reserved = new Set<number>();
  let stopped = false;

  const nodeAt = (port: number): NodeState => {
    const node = nodes.find((n) => n.port === port);
    if (!node) throw new Error(`no node of this cluster listens on port ${port}`);
    return node;
  };

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    // The data goes with the directory, so there is nothing to shut down cleanly for.
    await Promise.all(nodes.map(killNode));
    rmSync(base, { recursive: true, force: true });
  }

  async function startNode(index: number): Promise<void> {
    const dir = join(base, `node-${index}`);
    for (let attempt = 0; ; attempt++) {
      const port = await pickPorts(reserved);
      rmSync(dir, { recursive: true, force: true }); // a failed start may have written nodes.conf
      mkdirSync(dir);
      const node: NodeState = { host: HOST, port, dir, index, child: undefined, log: '' };
      nodes.push(node);
      try {
        return await launch(node, config);
      } catch (error) {
        nodes.splice(nodes.indexOf(node), 1);
        reserved.delete(port);
        reserved.delete(port + BUS_OFFSET);
        // Another process took the port between the probe and redis-server's bind: next pair.
        if (attempt < 5 && addressInUse(error)) continue;
        throw error;
      }
    }
  }

  /** The cluster as seen by the first running node that answers. */
  async function clusterNodes(): Promise<NodeLine[]> {
    let lastError: unknown = new Error('no node is running');
    for (const node of nodes.filter(running)) {
      try {
        return parseClusterNodes(String(await onNode(node.port, (c) => c.call('CLUSTER', 'NODES'))));
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  /** Throws why the cluster is not healthy yet. */
  async function checkHealthy(replicas: number): Promise<void> {
    const live = nodes.filter(running);
    const views = await Promise.all(
      live.map(async (node) => {
        const [info, text] = await onNode(node.port, (c) =>
          Promise.all([c.call('CLUSTER', 'INFO'), c.call('CLUSTER', 'NODES')]).then((r) => r.map(String)),
        );
        if (!/^cluster_state:ok\r?$/m.test(info as string)) throw new Error(`node ${node.port}: cluster_state is not ok`);
        if (!new RegExp(`^cluster_slots_ok:${SLOTS}\\r?$`, 'm').test(info as string)) throw new Error(`node ${node.port}: not all ${SLOTS} slots are ok`);
        return { port: node.port, lines: parseClusterNodes(text as string) };
      }),
    );
    const first = views[0];
    if (!first) throw new Error('no node is running');
    const masters = first.lines.filter(isMaster);
    const masterPorts = masters.map((m) => m.port).sort((a, b) => a - b).join(',');
    for (const view of views) {
      const ports = view.lines.filter(isMaster).map((m) => m.port).sort((a, b) => a - b).join(',');
      if (ports !== masterPorts) throw new Error(`nodes ${first.port} and ${view.port} disagree on the masters (${masterPorts} / ${ports})`);
    }
    const served = masters.reduce((sum, m) => sum + m.slots, 0);
    if (served !== SLOTS) throw new Error(`the masters serve ${served} of ${SLOTS} slots`);
    await Promise.all(
      masters.map(async (master) => {
        if (!live.some((n) => n.port === master.port)) throw new Error(`master ${master.port} is not running`);
        const info = String(await onNode(master.port, (c) => c.call('INFO', 'replication')));
        const online = info.split('\n').filter((l) => /^slave\d+:.*state=online/.test(l)).length;
        if (online < replicas) throw new Error(`master ${master.port} has ${online} of ${replicas} replicas online`);
      }),
    );
  }

  const cluster: LocalRedisCluster = {
    seeds: '',
    nodes: [],
    async masters() {
      return (await clusterNodes()).filter(isMaster).map((m) => m.port).sort((a, b) => a - b);
    },
    async kill(port) {
      const node = nodeAt(port);
      if (!running(node)) throw new Error(`node ${port} is not running`);
      await killNode(node);
    },
    async restart(port) {
      const node = nodeAt(port);
      if (running(node)) throw new Error(`node ${port} is still running`);
      if (stopped) throw new Error('the cluster was stopped');
      await launch(node, config);
    },
    async waitHealthy({ timeoutMs = 30_000, replicas = replicasPerMaster } = {}) {
      await waitFor('the Redis Cluster to be healthy', async () => {
        await checkHealthy(replicas);
        return true;
      }, { timeoutMs, intervalMs: 100 });
    },
    stop,
  };

  try {
    const starts = await Promise.allSettled(Array.from({ length: masterCount * (1 + replicasPerMaster) }, (_, i) => startNode(i)));
    const failure = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
    nodes.sort((a, b) => a.index - b.index);
    const addresses = nodes.map((n) => `${HOST}:${n.port}`);
    await createCluster(addresses, replicasPerMaster);
    cluster.seeds = addresses.join(',');
    cluster.nodes = nodes.map(({ host, port, dir }) => ({ host, port, dir }));
    await cluster.waitHealthy({ timeoutMs: 30_000 });
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `redis-cli --cluster create`: assigns the slots and replicas, meets the nodes and waits until they agree. */
async function createCluster(addresses: string[], replicas: number): Promise<void> {
  const child = spawnBoundToParent('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes']);
  child.stdin?.end();
  let output = '';
  const collect = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-8_000));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    const code = await new Promise<number | string | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (exitCode, signal) => resolve(signal ?? exitCode));
    });
    if (code !== 0 || /\[ERR\]/.test(output)) throw new Error(`redis-cli --cluster create failed (${code}): ${output.trim()}`);
  } finally {
    clearTimeout(timer);
  }
}
