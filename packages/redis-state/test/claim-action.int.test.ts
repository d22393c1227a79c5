import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { claimActions, KeySpace, OutboxStore, type ActionClaim, type ClaimOptions } from '@bondstream/redis-state';
import { startRedisWithClient, type RedisWithClient } from '@bondstream/testkit';
import { decodeActions, HISTORY_ACTIONS } from '@bondstream/model';

const DAY = 86_400_000;
const t0 = Date.UTC(2026, 0, 10);
const ref = { tenantId: 'shop-1', customerId: 'c-42' };
const claim = (actionId: string, at: number, action = 'short_term_offer'): ActionClaim => ({
  ref, actionId, action, occurredAtMs: at, payload: JSON.stringify({ actionId, action }),
});
const options: ClaimOptions = { cooldownMs: 30 * DAY, wallNowMs: Date.now(), dedupeRetentionMs: 60_000, webhooks: true };

describe('claim-action.lua (real redis-server)', () => {
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

  it('keeps every action key of a customer in its shard slot', () => {
    const keys = keyspace.actions(ref);
    const tags = [keys.cooldown, keys.dedupe, keys.outbox, keys.webhooks].map((k) => k.match(/\{[^}]+\}/)?.[0]);
    expect(new Set(tags)).toEqual(new Set([keyspace.outbox(keys.shard).match(/\{[^}]+\}/)?.[0]]));
    expect(keys.shard).toBe(keyspace.customer(ref).shard);
  });

  it('emits once per actionId, holds the cooldown in event time either way, and lets it pass after', async () => {
    const outcomes = await claimActions(redis, keyspace, [
      claim('a-1', t0),
      claim('a-1', t0), // the same change re-delivered in the same batch
      claim('a-2', t0 + 29 * DAY), // another change, inside the cooldown
      claim('a-3', t0 - 29 * DAY), // an older one arriving late, inside it too
      claim('a-4', t0 + DAY, 'win_back'), // another action: its own cooldown
      claim('a-5', t0 + 30 * DAY), // the cooldown is over
    ], options);
    expect(outcomes).toEqual(['emitted', 'duplicate', 'cooldown', 'cooldown', 'emitted', 'emitted']);
    expect(await claimActions(redis, keyspace, [claim('a-1', t0), claim('a-5', t0 + 30 * DAY)], options)).toEqual(['duplicate', 'duplicate']);

    const k = keyspace.actions(ref);
    const outbox = await redis.xrange(k.outbox, '-', '+');
    expect(outbox.map(([, fields]) => JSON.parse(fields[1]!).actionId)).toEqual(['a-1', 'a-4', 'a-5']);
    expect(await redis.xlen(k.webhooks)).toBe(3);
    expect(await redis.pttl(k.cooldown)).toBeGreaterThan(29 * DAY);
  });

  it('keeps the customer\'s last HISTORY_ACTIONS emitted actions, newest first, in its hash (field a)', async () => {
    const emitted = Array.from({ length: 6 }, (_, i) => claim(`h-${i}`, t0 + i * 40 * DAY, i % 2 === 0 ? 'short_term_offer' : 'enroll_loyalty_program'));
    // one batch: two claims of the customer see each other
    expect(await claimActions(redis, keyspace, [...emitted.slice(0, 2), claim('h-1', t0)], options)).toEqual(['emitted', 'emitted', 'duplicate']);
    expect(await claimActions(redis, keyspace, emitted.slice(2), options)).toEqual(['emitted', 'emitted', 'emitted', 'emitted']);
    const stored = await redis.hget(keyspace.customer(ref).state, 'a');
    expect(decodeActions(stored)).toEqual(emitted.slice(-HISTORY_ACTIONS).reverse().map((c) => ({ action: c.action, atMs: c.occurredAtMs })));
    // the scorer's fields are left alone: no version was written
    expect(await redis.hget(keyspace.customer(ref).state, 'v')).toBeNull();
  });

  it('queues no webhook delivery without webhooks, and a cooldown of 0 only dedupes', async () => {
    const noHooks = { ...options, webhooks: false, cooldownMs: 0 };
    expect(await claimActions(redis, keyspace, [claim('a-1', t0), claim('a-2', t0), claim('a-2', t0)], noHooks))
      .toEqual(['emitted', 'emitted', 'duplicate']);
    const k = keyspace.actions(ref);
    expect(await redis.xlen(k.outbox)).toBe(2);
    expect(await redis.xlen(k.webhooks)).toBe(0);
  });

  it('is drained by an OutboxStore on its own stream and lease, apart from the segment-change outbox', async () => {
    await claimActions(redis, keyspace, [claim('a-1', t0)], options);
    const actions = new OutboxStore(redis, keyspace, 'me', 5_000, 'actions-outbox');
    const changes = new OutboxStore(redis, keyspace, 'me', 5_000);
    const webhooks = new OutboxStore(redis, keyspace, 'other', 5_000, 'webhooks');
    expect((await actions.leaseShards()).length).toBe(16);
    expect((await webhooks.leaseShards()).length).toBe(16); // separate leases
    expect(await changes.backlog()).toBe(0);
    expect(await actions.backlog()).toBe(1);
    const shard = keyspace.actions(ref).shard;
    const read = await actions.read([shard], 10);
    const id = read.get(shard)![0]!.id;
    expect(await webhooks.read([shard], 10, new Map([[shard, id]]))).toEqual(new Map());
    await actions.ack(new Map([[shard, [id]]]));
    expect(await actions.backlog()).toBe(0);
    expect(await webhooks.backlog()).toBe(1);
  });
});
