import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { isCluster, type RedisClient } from './client.js';
import { defineScripts } from './scripts.js';
import { calculateSlot } from './shard-tags.js';

/** Queues one command on a pipeline (a plain command, or a script through callScript). */
export type QueueCommand = (pipeline: ChainableCommander) => unknown;

/**
 * How a client's durable batches wait for replicas (REDIS_WAIT_REPLICAS, DESIGN 4): offsets are
 * committed only after a batch's writes are on that many replicas, so a master that dies after
 * the commit has them on the replica that takes its place.
 */
export interface Durability {
  waitReplicas: number;
  /** how long one WAIT may block before it is counted short and sent again */
  waitTimeoutMs: number;
  /** a WAIT that came back with fewer replicas than wanted; it is sent again, never ignored */
  onWaitShort?: (info: { node: string; acknowledged: number; wanted: number }) => void;
  /** commands sent again after a redirect, a cluster state error or a lost connection */
  onRetry?: (info: { reason: string; commands: number }) => void;
  /** how long a batch keeps re-sending and waiting before it fails (default 60 s) */
  deadlineMs?: number;
}

const durabilities = new WeakMap<RedisClient, Durability>();

/** Sets how durable batches on this client wait for replicas (once, at start). */
export function setDurability(client: RedisClient, durability: Durability): void {
  durabilities.set(client, durability);
}

/**
 * How long a batch keeps re-sending commands that met a failover, a slot migration or a lost
 * connection, or WAITs that come back short, before it gives up (and the caller retries the
 * whole batch, without committing its offsets).
 */
const RETRY_DEADLINE_MS = 60_000;

/**
 * Errors after which a command is sent again, to the node that now serves its slot. A WAIT that
 * reached a replica means the node was demoted (a failed master back as a replica) before the
 * client's slot map knew.
 */
const RETRYABLE = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN|LOADING|READONLY|MASTERDOWN)\b|WAIT cannot be used with replica|Connection is closed|Stream isn't writeable|max retries per request|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH/;

function retryable(error: Error): boolean {
  return RETRYABLE.test(error.message);
}

/** The `-ASK <slot> <host:port>` target, or null. */
function askTarget(error: Error): string | null {
  const m = /^ASK \d+ (\S+)/.exec(error.message);
  return m ? (m[1] as string) : null;
}

/**
 * A key in the same slot as `key`, for a probe write: its hash tag if it has one, else the
 * whole key as the tag (a key without a tag hashes as a whole).
 */
export function probeKey(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? `${key.slice(0, close + 1)}:wait-probe` : `{${key}}:wait-probe`;
}

interface Pending {
  index: number;
  /** the node an ASK redirect named: sent there after ASKING */
  asking?: string;
}

/**
 * Commands on many keys in as few round trips as the deployment allows: one pipeline on a single
 * server; on a Redis Cluster one pipeline per master, sent concurrently, each command routed by
 * its key's slot. A command that meets MOVED, ASK, TRYAGAIN, CLUSTERDOWN or a lost connection is
 * sent again (after a slot refresh and a backoff) to the node that serves its slot now; the
 * others keep their replies. Only idempotent steps may be queued here, as a command whose
 * connection dropped may have run: this package's scripts are (compare-and-set on the version,
 * dedupe ledgers, leases, maxima).
 */
export class CommandBatch {
  private readonly keys: string[] = [];
  private readonly queues: QueueCommand[] = [];

  constructor(private readonly client: RedisClient) {}

  get length(): number {
    return this.keys.length;
  }

  /** Queues a command; `key` (its first key) routes it in a cluster. Returns its reply's index. */
  add(key: string, queue: QueueCommand): number {
    this.keys.push(key);
    this.queues.push(queue);
    return this.keys.length - 1;
  }

  /**
   * Runs every command and returns the replies in order; throws the first error that is not a
   * redirect or a lost connection. `durable`: the writes are acknowledged by the client's
   * REDIS_WAIT_REPLICAS replicas before this resolves.
   */
  async exec(options: { durable?: boolean } = {}): Promise<unknown[]> {
    if (this.keys.length === 0) return [];
    const durability = options.durable ? durabilities.get(this.client) : undefined;
    const wait = durability !== undefined && durability.waitReplicas > 0 ? durability : null;
    return isCluster(this.client) ? this.execCluster(this.client, wait) : this.execSingle(this.client, wait);
  }

  private async execSingle(redis: Redis, wait: Durability | null): Promise<unknown[]> {
    defineScripts(redis);
    const pipeline = redis.pipeline();
    for (const queue of this.queues) queue(pipeline);
    if (wait) pipeline.wait(wait.waitReplicas, wait.waitTimeoutMs);
    const replies = await pipeline.exec();
    if (replies === null) throw new Error('redis pipeline was discarded');
    const values = replies.map(([error, value]) => {
      if (error) throw error;
      return value;
    });
    if (wait) await waitUntilAcknowledged(redis, 'redis', Number(values.pop()), wait, Date.now() + (wait.deadlineMs ?? RETRY_DEADLINE_MS));
    return values;
  }

  private async execCluster(cluster: Cluster, wait: Durability | null): Promise<unknown[]> {
    const replies = new Array<unknown>(this.keys.length);
    const deadline = Date.now() + (durabilities.get(cluster)?.deadlineMs ?? RETRY_DEADLINE_MS);
    let pending: Pending[] = this.keys.map((_, index) => ({ index }));
    for (let attempt = 0; ; attempt++) {
      const retry: Pending[] = [];
      let lastError: Error | null = null;
      const nodes = nodesByKey(cluster);
      const groups = new Map<string, Pending[]>();
      for (const item of pending) {
        const nodeKey = item.asking ?? cluster.slots[calculateSlot(this.keys[item.index] as string)]?.[0];
        if (nodeKey === undefined || !nodes.has(nodeKey)) {
          retry.push({ index: item.index });
          lastError = new Error(`no connected master serves the slot of ${this.keys[item.index]}`);
          continue;
        }
        let group = groups.get(nodeKey);
        if (group === undefined) groups.set(nodeKey, (group = []));
        group.push(item);
      }
      await Promise.all([...groups].map(async ([nodeKey, items]) => {
        try {
          const failed = await this.execOnNode(nodes.get(nodeKey) as Redis, nodeKey, items, replies, wait, attempt > 0, deadline);
          for (const { item, error } of failed) {
            lastError = error;
            const asking = askTarget(error);
            retry.push(asking === null ? { index: item.index } : { index: item.index, asking });
          }
        } catch (error) {
          if (!(error instanceof Error) || !retryable(error)) throw error;
          lastError = error;
          for (const item of items) retry.push({ index: item.index });
        }
      }));
      if (retry.length === 0) return replies;
      const error = lastError as Error | null;
      if (Date.now() > deadline) throw error ?? new Error('redis batch did not complete');
      durabilities.get(cluster)?.onRetry?.({ reason: error?.message.split(' ')[0] ?? 'unknown', commands: retry.length });
      if (retry.some((item) => item.asking === undefined)) await refreshSlots(cluster);
      await new Promise((resolve) => setTimeout(resolve, Math.min(25 * 2 ** Math.min(attempt, 6), 1_000)));
      pending = retry;
    }
  }

  /**
   * One node's share of the batch in one pipeline. Fills `replies`; returns the commands to send
   * again. A retry of a durable batch also writes a probe before its WAIT: a re-sent write may
   * now find its effect already there (it ran before the connection dropped) and write nothing,
   * and WAIT only covers this connection's own writes.
   */
  private async execOnNode(
    node: Redis, nodeKey: string, items: readonly Pending[], replies: unknown[], wait: Durability | null, isRetry: boolean, deadline: number,
  ): Promise<{ item: Pending; error: Error }[]> {
    defineScripts(node);
    const pipeline = node.pipeline();
    for (const item of items) {
      if (item.asking !== undefined) pipeline.asking();
      (this.queues[item.index] as QueueCommand)(pipeline);
    }
    if (wait) {
      if (isRetry) pipeline.set(probeKey(this.keys[(items[0] as Pending).index] as string), Date.now(), 'PX', 60_000);
      pipeline.wait(wait.waitReplicas, wait.waitTimeoutMs);
    }
    const results = await pipeline.exec();
    if (results === null) throw new Error('Connection is closed (pipeline discarded)');
    const failed: { item: Pending; error: Error }[] = [];
    let r = 0;
    for (const item of items) {
      if (item.asking !== undefined) r++;
      const [error, value] = results[r++] as [Error | null, unknown];
      if (error === null) replies[item.index] = value;
      else if (retryable(error)) failed.push({ item, error });
      else throw error;
    }
    if (wait) {
      if (isRetry) r++;
      const [error, acknowledged] = results[r] as [Error | null, unknown];
      if (error) throw error;
      if (failed.length < items.length) await waitUntilAcknowledged(node, nodeKey, Number(acknowledged), wait, deadline);
    }
    return failed;
  }
}

/**
 * Sends WAIT again on the same connection (it remembers the offset of the connection's last
 * write) until enough replicas acknowledged; each short answer is reported.
 */
async function waitUntilAcknowledged(node: Redis, nodeKey: string, acknowledged: number, wait: Durability, deadline: number): Promise<void> {
  let acked = acknowledged;
  while (acked < wait.waitReplicas) {
    wait.onWaitShort?.({ node: nodeKey, acknowledged: acked, wanted: wait.waitReplicas });
    if (Date.now() > deadline) {
      throw new Error(`WAIT: ${acked} of ${wait.waitReplicas} replicas acknowledged the writes on ${nodeKey}; not committing`);
    }
    acked = await node.wait(wait.waitReplicas, wait.waitTimeoutMs);
  }
}

function nodesByKey(cluster: Cluster): Map<string, Redis> {
  const nodes = new Map<string, Redis>();
  for (const node of cluster.nodes('all')) {
    if (node.status !== 'end' && node.status !== 'close') nodes.set(`${node.options.host}:${node.options.port}`, node);
  }
  return nodes;
}

function refreshSlots(cluster: Cluster): Promise<void> {
  return new Promise((resolve) => cluster.refreshSlotsCache(() => resolve()));
}

/**
 * Makes sure whatever is on the masters of these keys so far is on the replicas too: a probe
 * write per key's slot, then WAIT. For a batch that found its events already applied (by an
 * earlier attempt that did not live to WAIT) and so wrote nothing itself.
 */
export async function ensureDurable(client: RedisClient, keys: Iterable<string>): Promise<void> {
  const durability = durabilities.get(client);
  if (durability === undefined || durability.waitReplicas === 0) return;
  const batch = new CommandBatch(client);
  for (const key of new Set([...keys].map(probeKey))) batch.add(key, (p) => p.set(key, Date.now(), 'PX', 60_000));
  await batch.exec({ durable: true });
}
