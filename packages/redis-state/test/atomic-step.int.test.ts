import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { appendChanges, applyEvents, assignSegments, decodeChanges, decodeState, defaultPolicy, emptyState, encodeStateV1, evaluate, type OrderEvent } from '@bondstream/model';
import {
  KeySpace, OutboxStore, leaseShards, loadCustomers, readBandCustomers, readCustomerState, readDueCustomers,
  readPopulation, readPurchasingCustomers, readSegmentCounts, samplePurchasingCustomers, transitionField, writeCustomers,
  TRANSITION_RETENTION_SECONDS, trimTransitionDays,
  type CustomerWrite, type StoredCustomer,
} from '@bondstream/redis-state';
import { startRedisWithClient, type RedisWithClient } from '@bondstream/testkit';

const day = 86_400_000;
const t0 = Date.UTC(2026, 0, 10);
const ref = { tenantId: 'shop-1', customerId: 'c-42' };
const order = (n: number, at = t0 + n * day): OrderEvent => ({ eventId: `o-${n}`, type: 'order.placed', occurredAtMs: at, amountCents: 10_000, costCents: 6_000 });

function plan(stored: StoredCustomer, events: OrderEvent[], nowMs: number, dueAtMs: number | null = null): CustomerWrite {
  const updated = applyEvents(stored.state ?? emptyState(), events, nowMs, defaultPolicy);
  const evaluation = evaluate(updated, nowMs, null, defaultPolicy);
  const { state, changes } = assignSegments(updated, evaluation, nowMs, defaultPolicy);
  return {
    stored, dueAtMs, state, appliedEventIds: events.map((e) => e.eventId), index: evaluation.index,
    outbox: changes.map((c) => ({ fromKey: c.from ? `${c.dimension}:${c.from}` : null, toKey: `${c.dimension}:${c.to}`, event: JSON.stringify(c) })),
    history: appendChanges(stored.history, changes, nowMs, 'event'), changesAtMs: nowMs,
  };
}

describe('the atomic customer step (real redis-server)', () => {
  let local: RedisWithClient;
  let redis: Redis;
  const keyspace = new KeySpace('t');
  beforeAll(async () => {
    local = await startRedisWithClient();
    redis = local.redis;
  });
  afterAll(async () => {
    await local?.stop();
  });
  beforeEach(async () => {
    await redis.flushall();
  });

  it('keeps every key of a customer in one hash slot (its shard tag)', () => {
    const keys = keyspace.customer(ref);
    const tags = Object.values(keys).filter((v): v is string => typeof v === 'string').map((k) => k.match(/\{[^}]+\}/)?.[0]);
    expect(new Set(tags).size).toBe(1);
    expect(keys.shard).toBeGreaterThanOrEqual(0);
    expect(keys.shard).toBeLessThan(keyspace.shards);
  });

  it('samples purchasing customers uniformly for a refit: all of them when they fit the sample, distinct ones otherwise', async () => {
    const customers = Array.from({ length: 300 }, (_, i) => ({ tenantId: 'shop-1', customerId: `c-${i}` }));
    const stored = await loadCustomers(redis, keyspace, customers.map((r) => ({ ref: r, eventIds: ['o-1'] })));
    await writeCustomers(redis, stored.map((s) => plan(s, [order(1)], t0 + 2 * day)), { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    const all = await samplePurchasingCustomers(redis, keyspace, 'shop-1', 1_000);
    expect(all).toHaveLength(300);
    expect(all.every((s) => s.purchaseDays.length === 1)).toBe(true);
    const some = await samplePurchasingCustomers(redis, keyspace, 'shop-1', 100);
    // each shard's share is rounded: within one customer per shard of the size asked for
    expect(Math.abs(some.length - 100)).toBeLessThanOrEqual(keyspace.shards);
    expect(await samplePurchasingCustomers(redis, keyspace, 'nobody', 100)).toEqual([]);
  });

  it('writes state, dedupe ledger, indexes, counts and outbox together', async () => {
    const [stored] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-1'] }]);
    expect(stored!.version).toBe(0);
    const write = plan(stored!, [order(1)], t0 + 2 * day);
    const result = await writeCustomers(redis, [write], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    expect(result.written).toHaveLength(1);

    const state = await readCustomerState(redis, keyspace, ref);
    expect(state?.lifetime.orders).toBe(1);
    const [again] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-1', 'o-2'] }]);
    expect(again!.version).toBe(1);
    expect([...again!.alreadyApplied]).toEqual(['o-1']);

    const population = await readPopulation(redis, keyspace, 'shop-1');
    expect(population.frequencies).toEqual([1]);
    expect(population.activeProfitsCents).toHaveLength(1);
    const counts = await readSegmentCounts(redis, keyspace, 'shop-1');
    expect(Object.values(counts.relationship).reduce((a, b) => a + b, 0)).toBe(1);
    // one outbox entry per call, holding every change; the backlog counts changes
    expect(await redis.xlen(keyspace.outbox(stored!.keys.shard))).toBe(1);
    expect(write.outbox.length).toBe(3);
    expect(result.outboxEntries).toEqual([{ shard: stored!.keys.shard, id: expect.stringMatching(/^\d+-\d+$/), events: write.outbox.map((c) => c.event), sourceProducedAtMs: [] }]);
    const outbox = new OutboxStore(redis, keyspace, 'relay-x', 60_000);
    expect(await outbox.backlog()).toBe(3);
    expect((await outbox.read([stored!.keys.shard], 10)).get(stored!.keys.shard)!.map((e) => e.event)).toEqual(write.outbox.map((c) => c.event));

    // the changes' day counts each transition, and the customer's history holds them
    const dayKey = keyspace.transitions(stored!.keys.shard, 'shop-1', Math.floor((t0 + 2 * day) / day));
    const transitions = await redis.hgetall(dayKey);
    expect(Object.values(transitions).map(Number)).toEqual([1, 1, 1]);
    expect(Object.keys(transitions).sort()).toEqual(write.outbox.map((c) => transitionField(c)).sort());
    expect(Object.keys(transitions).every((field) => /^(relationship|pyramid|rfm):>[a-z_]+$/.test(field))).toBe(true);
    expect(await redis.ttl(dayKey)).toBeGreaterThan(TRANSITION_RETENTION_SECONDS - 60);
    expect(again!.history).toBe(write.history);
    expect(decodeChanges(again!.history)).toHaveLength(3);
  });

  it('records the days with transition counts, and the clock drops days it has left behind', async () => {
    const other = { tenantId: 'shop-1', customerId: 'c-43' };
    const [a] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-1'] }]);
    const [b] = await loadCustomers(redis, keyspace, [{ ref: other, eventIds: ['o-300'] }]);
    await writeCustomers(redis, [plan(a!, [order(1)], t0 + 2 * day), plan(b!, [order(300)], t0 + 300 * day)], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    const firstDay = Math.floor((t0 + 2 * day) / day);
    const lastDay = Math.floor((t0 + 300 * day) / day);
    const shards = [keyspace.customer(ref).shard, keyspace.customer(other).shard];
    const kept = async () => (await Promise.all(shards.map((shard) => redis.zrange(keyspace.transitions(shard, 'shop-1', 'days'), 0, -1)))).flat().map(Number).sort();
    expect(await kept()).toEqual([firstDay, lastDay]);
    expect(await trimTransitionDays(redis, keyspace, 'shop-1', keyspace.shardIds, lastDay)).toBe(1);
    expect(await kept()).toEqual([lastDay]);
    expect(await redis.exists(keyspace.transitions(shards[0]!, 'shop-1', firstDay))).toBe(0);
    expect(await redis.exists(keyspace.transitions(shards[1]!, 'shop-1', lastDay))).toBe(1);
    expect(await trimTransitionDays(redis, keyspace, 'shop-1', keyspace.shardIds, lastDay)).toBe(0);
  });

  it('leaves the history as stored when a write has no changes', async () => {
    const [stored] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-1'] }]);
    await writeCustomers(redis, [plan(stored!, [order(1)], t0 + 2 * day)], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    await redis.hset(keyspace.customer(ref).state, 'h', 'kept');
    const [next] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-2'] }]);
    const quiet = { ...plan(next!, [order(2)], t0 + 3 * day), outbox: [], history: next!.history };
    await writeCustomers(redis, [quiet], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    expect(await redis.hget(keyspace.customer(ref).state, 'h')).toBe('kept');
  });

  it('refuses a write whose version moved (compare-and-set) and leaves everything untouched', async () => {
    const [first] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-1'] }]);
    const [stale] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-2'] }]);
    await writeCustomers(redis, [plan(first!, [order(1)], t0 + 2 * day)], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    const outboxBefore = await redis.xlen(keyspace.outbox(first!.keys.shard));
    const result = await writeCustomers(redis, [plan(stale!, [order(2)], t0 + 3 * day)], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    expect(result.conflicts).toHaveLength(1);
    expect(result.written).toHaveLength(0);
    const state = decodeState((await redis.hgetBuffer(keyspace.customer(ref).state, 's'))!);
    expect(state.lifetime.orders).toBe(1);
    expect((await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-2'] }]))[0]!.alreadyApplied.size).toBe(0);
    expect(await redis.xlen(keyspace.outbox(first!.keys.shard))).toBe(outboxBefore);
  });

  it('reads every customer of a call from the packed argument: a refused one with changes before a written one, non-ASCII ids', async () => {
    const shard = keyspace.customer(ref).shard;
    // a second customer on the same shard (so both go in one call), with a non-ASCII id
    let n = 0;
    while (keyspace.customer({ tenantId: 'shop-1', customerId: `zoë-€-${n}` }).shard !== shard) n++;
    const other = { tenantId: 'shop-1', customerId: `zoë-€-${n}` };
    const [first] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-1'] }]);
    const [stale] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-2'] }]);
    await writeCustomers(redis, [plan(first!, [order(1)], t0 + 2 * day)], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    const [fresh] = await loadCustomers(redis, keyspace, [{ ref: other, eventIds: ['o-5'] }]);
    const refused = plan(stale!, [order(2)], t0 + 3 * day);
    const written = plan(fresh!, [order(5)], t0 + 5 * day);
    expect(refused.outbox.length).toBeGreaterThan(0);
    const result = await writeCustomers(redis, [refused, written], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    expect(result.conflicts).toEqual([refused]);
    expect(result.written).toEqual([written]);
    const [after] = await loadCustomers(redis, keyspace, [{ ref: other, eventIds: ['o-5'] }]);
    expect(after!.version).toBe(1);
    expect(after!.state?.lifetime.orders).toBe(1);
    expect([...after!.alreadyApplied]).toEqual(['o-5']);
    expect(after!.dueAtMs).toBe(written.dueAtMs);
    expect(await redis.zscore(keyspace.index(shard, 'shop-1', 'monetary'), other.customerId)).toBe(String(written.index.monetaryCents));
    // the entry holds exactly the written customer's changes, byte for byte
    expect(result.outboxEntries).toHaveLength(1);
    const outbox = new OutboxStore(redis, keyspace, 'relay-x', 60_000);
    const rows = (await outbox.readBatch([shard], 100)).get(shard)!.filter((e) => e.id === result.outboxEntries[0]!.id);
    expect(rows.map((e) => e.event.toString('utf8'))).toEqual(written.outbox.map((c) => c.event));
  });

  it('stores the state as binary bytes intact, reads a state stored as version 1 (JSON) and stores it again as version 2', async () => {
    const [first] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-1'] }]);
    const written = plan(first!, [order(1)], t0 + 2 * day);
    await writeCustomers(redis, [written], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    const stored = (await redis.hgetBuffer(keyspace.customer(ref).state, 's'))!;
    expect(stored[0]).toBe(2);
    expect(stored.some((b) => b >= 0x80)).toBe(true); // bytes a UTF-8 string reply would have mangled
    expect(await readCustomerState(redis, keyspace, ref)).toEqual(written.state);

    // data written before format version 2
    await redis.hset(keyspace.customer(ref).state, 's', encodeStateV1(written.state));
    expect(await readCustomerState(redis, keyspace, ref)).toEqual(written.state);
    const [old] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-2'] }]);
    expect(old!.state).toEqual(written.state);
    await writeCustomers(redis, [plan(old!, [order(2)], t0 + 3 * day)], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    const rewritten = (await redis.hgetBuffer(keyspace.customer(ref).state, 's'))!;
    expect(rewritten[0]).toBe(2);
    expect(decodeState(rewritten).lifetime.orders).toBe(2);
  });

  it('forgets dedupe ids after the retention, at the customer\'s next write', async () => {
    const [stored] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-1'] }]);
    await writeCustomers(redis, [plan(stored!, [order(1)], t0 + 2 * day)], { wallNowMs: 1_000_000_000, dedupeRetentionMs: 10_000 });
    const [next] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-2'] }]);
    await writeCustomers(redis, [plan(next!, [order(2)], t0 + 3 * day)], { wallNowMs: 1_000_020_000, dedupeRetentionMs: 10_000 });
    const [after] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-1', 'o-2'] }]);
    expect(after!.ledger.size).toBe(1);
    expect([...after!.alreadyApplied]).toEqual(['o-2']);
    // a write without events prunes too, and an empty ledger leaves no field behind
    await writeCustomers(redis, [{ ...plan(after!, [], t0 + 4 * day), appliedEventIds: [] }], { wallNowMs: 1_000_040_000, dedupeRetentionMs: 10_000 });
    expect(await redis.hexists(keyspace.customer(ref).state, 'e')).toBe(0);
  });

  it('relay leases: one holder per shard; a lost lease cannot delete entries', async () => {
    const [stored] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-1'] }]);
    await writeCustomers(redis, [plan(stored!, [order(1)], t0 + 2 * day)], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    const a = new OutboxStore(redis, keyspace, 'relay-a', 60_000);
    const b = new OutboxStore(redis, keyspace, 'relay-b', 60_000);
    expect(await a.leaseShards()).toHaveLength(keyspace.shards);
    expect(await b.leaseShards()).toHaveLength(0);
    const shard = stored!.keys.shard;
    const entries = await a.read([shard], 10);
    expect(entries.get(shard)).toHaveLength(3);
    const ids = new Map([[shard, entries.get(shard)!.map((e) => e.id)]]);
    expect((await b.ack(ids)).get(shard)).toBe(false);
    expect(await a.backlog()).toBe(3);
    expect((await a.ack(ids)).get(shard)).toBe(true);
    expect(await a.backlog()).toBe(0);
    await a.release();
    expect(await b.leaseShards()).toHaveLength(keyspace.shards);
  });

  it('fast path: the writer deletes what it published (and its count); the sweep leaves entries younger than its grace', async () => {
    const [stored] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-1'] }]);
    const first = await writeCustomers(redis, [plan(stored!, [order(1)], t0 + 2 * day)], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    const [entry] = first.outboxEntries;
    const shard = stored!.keys.shard;
    const relay = new OutboxStore(redis, keyspace, 'relay-a', 60_000);
    await relay.leaseShards();
    expect(await relay.backlog()).toBe(3);
    // written just now: a sweep that only takes entries written before a second ago sees none
    const young = await relay.trimThenRead(new Map(), [shard], 10, Date.now() - 1_000);
    expect(young.entries.size).toBe(0);
    expect((await relay.trimThenRead(new Map(), [shard], 10, Date.now() + 1_000)).entries.get(shard)).toHaveLength(3);

    await relay.deletePublished([{ shard, id: entry!.id, changes: entry!.events.length }]);
    expect(await redis.xlen(keyspace.outbox(shard))).toBe(0);
    expect(await relay.backlog()).toBe(0);
    // deleting it again (a retried delete) does not count it twice
    await relay.deletePublished([{ shard, id: entry!.id, changes: entry!.events.length }]);
    expect(await relay.backlog()).toBe(0);

    // a trim by the sweep counts the changes of the entries it removes
    const [again] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-2'] }]);
    const second = await writeCustomers(redis, [plan(again!, [order(2)], t0 + 40 * day)], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    const changes = second.outboxEntries[0]!.events.length;
    expect(changes).toBeGreaterThan(0);
    expect(await relay.backlog()).toBe(changes);
    expect((await relay.ackThrough(new Map([[shard, second.outboxEntries[0]!.id]]))).get(shard)).toBe(true);
    expect(await relay.backlog()).toBe(0);
  });

  it('reads a population larger than one page of every index, each member once', async () => {
    const big = keyspace.index(2, 'shop-1', 'monetary');
    const values = Array.from({ length: 1_234 }, (_, i) => i * 7);
    await redis.zadd(big, ...values.flatMap((v, i) => [v, `c-${i}`]));
    await redis.zadd(keyspace.index(9, 'shop-1', 'monetary'), 5, 'other', 6, 'another');
    await redis.zadd(keyspace.index(9, 'shop-1', 'profit'), -100, 'other');
    const population = await readPopulation(redis, keyspace, 'shop-1');
    expect([...population.monetaryCents].sort((a, b) => a - b)).toEqual([...values, 5, 6].sort((a, b) => a - b));
    expect(population.activeProfitsCents).toEqual([-100]);
    expect(population.frequencies).toEqual([]);
  });

  it('the relay reads the oldest entries as bytes and trims exactly what it read, only while it holds the lease', async () => {
    const a = new OutboxStore(redis, keyspace, 'relay-a', 60_000);
    const b = new OutboxStore(redis, keyspace, 'relay-b', 60_000);
    await a.leaseShards();
    const shard = 3;
    const stream = keyspace.outbox(shard);
    for (let i = 0; i < 5; i++) await redis.xadd(stream, '*', 'e', `c-${i}\u0000{"n":${i}}`);
    const read = (await a.readBatch([shard], 3)).get(shard)!;
    expect(read.map((e) => e.event.toString('utf8'))).toEqual([0, 1, 2].map((i) => `c-${i}\u0000{"n":${i}}`));
    await redis.xadd(stream, '*', 'e', 'written meanwhile');
    const lastIds = new Map([[shard, read[2]!.id]]);
    expect((await b.ackThrough(lastIds)).get(shard)).toBe(false);
    expect(await redis.xlen(stream)).toBe(6);
    expect((await a.ackThrough(lastIds)).get(shard)).toBe(true);
    const left = (await a.readBatch([shard], 10)).get(shard)!.map((e) => e.event.toString('utf8'));
    expect(left).toEqual(['c-3\u0000{"n":3}', 'c-4\u0000{"n":4}', 'written meanwhile']);
  });

  it('trims what the last cycle published and reads the next entries in one round trip, refusing a shard whose lease is lost', async () => {
    const space = new KeySpace('trim-read');
    const a = new OutboxStore(redis, space, 'relay-a', 60_000);
    const b = new OutboxStore(redis, space, 'relay-b', 60_000);
    expect(await a.leaseShards()).toHaveLength(keyspace.shards);
    const [held, other] = [2, 5];
    for (const shard of [held, other]) for (let i = 0; i < 4; i++) await redis.xadd(space.outbox(shard), '*', 'e', `s${shard}-${i}`);
    const first = await a.trimThenRead(new Map(), [held, other], 2);
    expect(first.trimmed.size).toBe(0);
    const bodies = (shard: number, entries: Map<number, { event: Buffer }[]>) => entries.get(shard)?.map((e) => e.event.toString('utf8'));
    expect(bodies(held, first.entries)).toEqual([`s${held}-0`, `s${held}-1`]);
    const lastIds = new Map([held, other].map((shard) => [shard, first.entries.get(shard)!.at(-1)!.id]));
    // The next cycle: what was published is gone before the read, so the read starts after it.
    const second = await a.trimThenRead(lastIds, [held, other], 10);
    expect(second.trimmed).toEqual(new Map([[held, true], [other, true]]));
    expect(bodies(held, second.entries)).toEqual([`s${held}-2`, `s${held}-3`]);
    // Another relay's trim is refused and deletes nothing.
    const third = await b.trimThenRead(new Map([[held, second.entries.get(held)!.at(-1)!.id]]), [held], 10);
    expect(third.trimmed.get(held)).toBe(false);
    expect(await redis.xlen(space.outbox(held))).toBe(2);
  });

  it('keeps the due-time index with the state: set, moved and removed by the same step', async () => {
    const allShards = [...keyspace.shardIds];
    const [stored] = await loadCustomers(redis, keyspace, [{ ref, eventIds: ['o-1'] }]);
    await writeCustomers(redis, [plan(stored!, [order(1)], t0 + 2 * day, t0 + 30 * day)], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    expect(await readDueCustomers(redis, keyspace, 'shop-1', allShards, t0 + 30 * day - 1, 10)).toEqual([]);
    expect(await readDueCustomers(redis, keyspace, 'shop-1', allShards, t0 + 30 * day, 10)).toEqual([ref]);
    expect(await readDueCustomers(redis, keyspace, 'other-tenant', allShards, t0 + 30 * day, 10)).toEqual([]);
    // a re-evaluation (no event ids) moves the version on and clears the due time
    const [again] = await loadCustomers(redis, keyspace, [{ ref, eventIds: [] }]);
    const rewrite = { ...plan(again!, [], t0 + 30 * day), appliedEventIds: [] };
    expect((await writeCustomers(redis, [rewrite], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 })).written).toHaveLength(1);
    expect((await loadCustomers(redis, keyspace, [{ ref, eventIds: [] }]))[0]!.version).toBe(2);
    expect(await readDueCustomers(redis, keyspace, 'shop-1', allShards, t0 + 400 * day, 10)).toEqual([]);
  });

  it('reads the customers whose index value lies in a band, over all shards', async () => {
    // customers c-1..c-40 with 1..40 orders in the window: frequency index = i
    for (let i = 1; i <= 40; i++) {
      const who = { tenantId: 'shop-1', customerId: `c-${i}` };
      const ids = Array.from({ length: i }, (_, k) => `c${i}-o${k}`);
      const [stored] = await loadCustomers(redis, keyspace, [{ ref: who, eventIds: ids }]);
      const events = ids.map((eventId, k): OrderEvent => ({ eventId, type: 'order.placed', occurredAtMs: t0 + k * 3_600_000, amountCents: 1_000 }));
      await writeCustomers(redis, [plan(stored!, events, t0 + day)], { wallNowMs: Date.now(), dedupeRetentionMs: 60_000 });
    }
    const band = await readBandCustomers(redis, keyspace, 'shop-1', [{ index: 'frequency', min: 10, max: 12.5 }, { index: 'frequency', min: 12, max: 13 }]);
    expect(band.map((r) => r.customerId)).toEqual(['c-10', 'c-11', 'c-12', 'c-13']);
    expect(await readPurchasingCustomers(redis, keyspace, 'shop-1')).toHaveLength(40);
    expect(new Set((await readPurchasingCustomers(redis, keyspace, 'shop-1')).map((r) => keyspace.shardOf(r))).size).toBeGreaterThan(1);
  });

  it('clock leases are separate from relay leases', async () => {
    expect(await leaseShards(redis, keyspace, { kind: 'relay', key: (s) => keyspace.relayLease(s) }, 'a', 60_000)).toHaveLength(keyspace.shards);
    expect(await leaseShards(redis, keyspace, { kind: 'clock', key: (s) => keyspace.clockLease(s) }, 'b', 60_000)).toHaveLength(keyspace.shards);
    expect(await leaseShards(redis, keyspace, { kind: 'clock', key: (s) => keyspace.clockLease(s) }, 'a', 60_000)).toHaveLength(0);
  });
});
