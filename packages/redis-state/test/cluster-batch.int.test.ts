import { Redis, type Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalRedisCluster } from '@bondstream/testkit';
import {
  CommandBatch, KeySpace, calculateSlot, connectRedis, openStateLayout, loadCustomers, setDurability, writeCustomers, ShardCountMismatch,
  type CustomerWrite,
} from '@bondstream/redis-state';
import { applyEvents, defaultPolicy, emptyState, evaluate, type OrderEvent } from '@bondstream/model';


/** Moves one slot (and its keys) from one master to another the way redis-cli --cluster does. */
async function migrateSlot(slot: number, from: Redis, to: Redis, toPort: number, options: { finish: boolean }): Promise<void> {
  const fromId = await from.cluster('MYID') as string;
  const toId = await to.cluster('MYID') as string;
  await to.cluster('SETSLOT', slot, 'IMPORTING', fromId);
  await from.cluster('SETSLOT', slot, 'MIGRATING', toId);
  const keys = await from.cluster('GETKEYSINSLOT', slot, 1000) as string[];
  if (keys.length > 0) await from.migrate('127.0.0.1', toPort, '', 0, 5_000, 'KEYS', ...keys);
  if (!options.finish) return;
  await to.cluster('SETSLOT', slot, 'NODE', toId);
  await from.cluster('SETSLOT', slot, 'NODE', toId);
}

describe('CommandBatch on a Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    client = connectRedis({ mode: 'cluster', nodes: cluster.nodes.slice(0, 1), username: null, password: null, tls: false }, { connectionName: 'test' }) as Cluster;
  }, 120_000);
  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it('splits a batch over the masters and answers in the order the commands were queued', async () => {
    const keyspace = new KeySpace('order', 96);
    const batch = new CommandBatch(client);
    for (const shard of keyspace.shardIds) {
      const key = keyspace.segmentCounts(shard, 't');
      batch.add(key, (p) => p.hset(key, 'n', shard));
      batch.add(key, (p) => p.hget(key, 'n'));
    }
    const replies = await batch.exec();
    expect(replies.filter((_, i) => i % 2 === 1)).toEqual(keyspace.shardIds.map(String));
    // the shard tags really are on more than one master
    const masters = new Set(keyspace.shardIds.map((shard) => client.slots[calculateSlot(keyspace.segmentCounts(shard, 't'))]?.[0]));
    expect(masters.size).toBe(3);
  });

  it('stores customers through the atomic step on every master, with WAIT 1 acknowledged', async () => {
    const keyspace = new KeySpace('steps', 48);
    let short = 0;
    setDurability(client, { waitReplicas: 1, waitTimeoutMs: 1_000, onWaitShort: () => short++ });
    const refs = Array.from({ length: 300 }, (_, i) => ({ tenantId: 't', customerId: `c-${i}` }));
    const stored = await loadCustomers(client, keyspace, refs.map((ref) => ({ ref, eventIds: [`e-${ref.customerId}`] })));
    const nowMs = Date.UTC(2026, 0, 10);
    const writes: CustomerWrite[] = stored.map((s) => {
      const order: OrderEvent = { eventId: `e-${s.ref.customerId}`, type: 'order.placed', occurredAtMs: nowMs, amountCents: 1_000, costCents: 600 };
      const state = applyEvents(emptyState(), [order], nowMs, defaultPolicy);
      return { stored: s, state, appliedEventIds: [order.eventId], index: evaluate(state, nowMs, null, defaultPolicy).index, dueAtMs: null, outbox: [], history: null, changesAtMs: nowMs };
    });
    const result = await writeCustomers(client, writes, { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    expect(result.written).toHaveLength(300);
    expect(short).toBe(0);
    const again = await loadCustomers(client, keyspace, refs.map((ref) => ({ ref, eventIds: [`e-${ref.customerId}`] })));
    expect(again.every((c) => c.version === 1 && c.alreadyApplied.size === 1)).toBe(true);
  });

  it('sends a short WAIT again, reports it, and fails the batch rather than pretend', async () => {
    const waits: number[] = [];
    setDurability(client, { waitReplicas: 2, waitTimeoutMs: 200, deadlineMs: 1_500, onWaitShort: (info) => waits.push(info.acknowledged) });
    const batch = new CommandBatch(client);
    batch.add('{w}:k', (p) => p.set('{w}:k', 1));
    await expect(batch.exec({ durable: true })).rejects.toThrow(/WAIT: 1 of 2 replicas/);
    expect(waits.length).toBeGreaterThan(1);
    expect(waits.every((n) => n === 1)).toBe(true);
    setDurability(client, { waitReplicas: 0, waitTimeoutMs: 1_000 });
  });

  it('follows ASK during a slot migration and MOVED after it, losing no reply', async () => {
    const key = '{migrating}:a';
    const other = '{migrating}:b';
    const slot = calculateSlot(key);
    await client.set(key, 'A');
    await client.set(other, 'B');
    const ports = await cluster.masters();
    const fromPort = Number((client.slots[slot]?.[0] as string).split(':')[1]);
    const toPort = ports.find((p) => p !== fromPort) as number;
    const from = new Redis({ port: fromPort });
    const to = new Redis({ port: toPort });
    const retried: string[] = [];
    setDurability(client, { waitReplicas: 0, waitTimeoutMs: 1_000, onRetry: (info) => retried.push(`${info.reason}:${info.commands}`) });
    try {
      // Half-way: the keys are on the target, the slot still on the source: ASK.
      await migrateSlot(slot, from, to, toPort, { finish: false });
      const asked = new CommandBatch(client);
      asked.add(key, (p) => p.get(key));
      asked.add('{elsewhere}:x', (p) => p.set('{elsewhere}:x', 1));
      expect(await asked.exec()).toEqual(['A', 'OK']);
      expect(retried).toEqual(['ASK:1']);
      // Done: the slot is the target's, the client's slot map is stale: MOVED.
      await to.cluster('SETSLOT', slot, 'NODE', await to.cluster('MYID') as string);
      await from.cluster('SETSLOT', slot, 'NODE', await to.cluster('MYID') as string);
      const moved = new CommandBatch(client);
      moved.add(other, (p) => p.get(other));
      moved.add(key, (p) => p.get(key));
      expect(await moved.exec()).toEqual(['B', 'A']);
      expect(retried).toEqual(['ASK:1', 'MOVED:2']);
      expect(client.slots[slot]?.[0]).toBe(`127.0.0.1:${toPort}`);
    } finally {
      from.disconnect();
      to.disconnect();
    }
  });

  it('records a namespace\'s shard count once and refuses another', async () => {
    expect((await openStateLayout(client, 'counted', 32)).tags).toBe('spaced');
    expect((await openStateLayout(client, 'counted', 32)).shards).toBe(32);
    await expect(openStateLayout(client, 'counted', 16)).rejects.toThrow(ShardCountMismatch);
    await expect(openStateLayout(client, 'counted', 16)).rejects.toThrow(/REDIS_STATE_SHARDS is 16.*created with 32/);
  });

  it('spreads spaced shard tags evenly over the masters redis-cli created', async () => {
    const keyspace = new KeySpace('even', 24);
    const perMaster = new Map<string, number>();
    for (const shard of keyspace.shardIds) {
      const node = client.slots[calculateSlot(keyspace.outbox(shard))]?.[0] as string;
      perMaster.set(node, (perMaster.get(node) ?? 0) + 1);
    }
    expect([...perMaster.values()]).toEqual([8, 8, 8]);
  });
});
