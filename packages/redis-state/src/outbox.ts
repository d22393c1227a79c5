import { CommandBatch } from './batch.js';
import type { RedisClient } from './client.js';
import type { KeySpace, StreamName } from './keys.js';
import { leaseShards, releaseShards, type ShardLeases } from './leases.js';
import { callScript, defineScripts } from './scripts.js';

export interface OutboxEntry {
  id: string;
  event: string;
}

export interface RawOutboxEntry {
  id: string;
  event: Buffer;
}

const MAX_SEQUENCE = 2n ** 64n - 1n;

/** The smallest stream id after `id` ("ms-seq"): XTRIM MINID keeps ids from there on. */
export function nextStreamId(id: string): string {
  const dash = id.indexOf('-');
  if (dash < 0) throw new Error(`not a stream id: ${id}`);
  const seq = BigInt(id.slice(dash + 1));
  return seq === MAX_SEQUENCE ? `${BigInt(id.slice(0, dash)) + 1n}-0` : `${id.slice(0, dash)}-${seq + 1n}`;
}

/**
 * The relay side of the outbox. A relay leases a shard before reading it, so with several scorer
 * processes each shard is published by one of them at a time, in order; a crashed holder's
 * lease expires and another takes over (entries it had published but not deleted go out again:
 * at-least-once, with deterministic event ids).
 */
export class OutboxStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyspace: KeySpace,
    private readonly leaseToken: string,
    private readonly leaseMs: number,
    /** Which per-shard stream: the scorer's segment-change outbox by default. */
    private readonly stream: StreamName = 'outbox',
  ) {
    defineScripts(redis);
    // Only the segment-change outbox holds several changes per entry and counts them beside the stream.
    this.pendingKey = stream === 'outbox' ? (shard) => keyspace.outboxPending(shard) : null;
    this.leases = { kind: `${stream}-relay`, key: (shard) => keyspace.relayLease(shard, stream) };
  }

  private readonly leases: ShardLeases;
  /** the key of a shard's count of unpublished changes, for a stream that keeps one */
  private readonly pendingKey: ((shard: number) => string) | null;

  /** The shards this relay holds (taking or renewing each lease), in one round trip. */
  leaseShards(): Promise<number[]> {
    return leaseShards(this.redis, this.keyspace, this.leases, this.leaseToken, this.leaseMs);
  }

  /** Oldest entries of each given shard (after `after`'s id, when given), one round trip. */
  async read(shards: readonly number[], perShard: number, after?: ReadonlyMap<number, string>): Promise<Map<number, OutboxEntry[]>> {
    const raw = await this.readBatch(shards, perShard, after);
    return new Map([...raw].map(([shard, rows]) => [shard, rows.map(({ id, event }) => ({ id, event: event.toString('utf8') }))]));
  }

  /**
   * The relay's read: as read(), the bodies as Buffers (no UTF-8 decode and re-encode on the
   * way to Kafka).
   */
  async readBatch(shards: readonly number[], perShard: number, after?: ReadonlyMap<number, string>, writtenBeforeMs?: number): Promise<Map<number, RawOutboxEntry[]>> {
    const batch = new CommandBatch(this.redis);
    this.queueReads(batch, shards, perShard, after, writtenBeforeMs);
    return this.parseReads(shards, await batch.exec());
  }

  /**
   * Deletes each shard's entries up to and including the given id (what readBatch returned is
   * always the oldest entries, so a published batch is a prefix): one XTRIM per shard instead of
   * an id per entry. Returns false for a shard whose lease was lost meanwhile.
   */
  async ackThrough(lastIds: ReadonlyMap<number, string>): Promise<Map<number, boolean>> {
    const batch = new CommandBatch(this.redis);
    const shards = this.queueTrims(batch, lastIds);
    return this.parseTrims(shards, await batch.exec());
  }

  /**
   * ackThrough(trims) and then readBatch(shards) in one round trip: the relay trims what it
   * published in its previous cycle with the read of the next (Redis runs a pipeline in order,
   * so the read starts after the trimmed prefix). A shard whose trim reports a lost lease was
   * read without the lease: its entries must not be published.
   */
  async trimThenRead(trims: ReadonlyMap<number, string>, shards: readonly number[], perShard: number, writtenBeforeMs?: number): Promise<{
    trimmed: Map<number, boolean>; entries: Map<number, RawOutboxEntry[]>;
  }> {
    const batch = new CommandBatch(this.redis);
    const trimmedShards = this.queueTrims(batch, trims);
    this.queueReads(batch, shards, perShard, undefined, writtenBeforeMs);
    const replies = await batch.exec();
    return { trimmed: this.parseTrims(trimmedShards, replies.slice(0, trimmedShards.length)), entries: this.parseReads(shards, replies.slice(trimmedShards.length)) };
  }

  /**
   * `writtenBeforeMs`: only entries added before then (stream ids start with Redis' clock in
   * ms), so that entries the writing process is still publishing itself (the scorer's fast
   * path) are left to it. COUNT counts entries; an entry of the segment-change outbox holds
   * several changes.
   */
  private queueReads(batch: CommandBatch, shards: readonly number[], perShard: number, after?: ReadonlyMap<number, string>, writtenBeforeMs?: number): void {
    const end = writtenBeforeMs === undefined ? '+' : String(Math.max(0, Math.floor(writtenBeforeMs) - 1));
    for (const shard of shards) {
      const from = after?.get(shard);
      const key = this.keyspace.outbox(shard, this.stream);
      batch.add(key, (p) => p.xrangeBuffer(key, from === undefined ? '-' : `(${from}`, end, 'COUNT', perShard));
    }
  }

  private parseReads(shards: readonly number[], replies: unknown[]): Map<number, RawOutboxEntry[]> {
    const entries = new Map<number, RawOutboxEntry[]>();
    shards.forEach((shard, i) => {
      const rows = replies[i] as [Buffer, Buffer[]][];
      // One row per change: an entry of the segment-change outbox holds several (field `e` each).
      if (rows.length > 0) entries.set(shard, rows.flatMap(([id, fields]) => fieldValues(fields, 'e').map((event) => ({ id: id.toString('latin1'), event }))));
    });
    return entries;
  }

  private queueTrims(batch: CommandBatch, lastIds: ReadonlyMap<number, string>): number[] {
    const shards = [...lastIds.keys()];
    for (const shard of shards) {
      const keys = [this.keyspace.outbox(shard, this.stream), this.keyspace.relayLease(shard, this.stream)];
      const lastId = lastIds.get(shard) as string;
      const args = [this.leaseToken, nextStreamId(lastId)];
      if (this.pendingKey) {
        keys.push(this.pendingKey(shard));
        args.push(lastId);
      }
      batch.add(keys[0] as string, (p) => callScript(p, 'trimOutbox', keys, args));
    }
    return shards;
  }

  private parseTrims(shards: readonly number[], replies: unknown[]): Map<number, boolean> {
    return new Map(shards.map((shard, i) => [shard, replies[i] !== -1]));
  }

  /** Deletes published entries; returns false for a shard whose lease was lost meanwhile. */
  async ack(published: Map<number, string[]>): Promise<Map<number, boolean>> {
    const batch = new CommandBatch(this.redis);
    const shards = [...published.keys()];
    for (const shard of shards) {
      const keys = [this.keyspace.outbox(shard, this.stream), this.keyspace.relayLease(shard, this.stream)];
      if (this.pendingKey) keys.push(this.pendingKey(shard));
      const ids = published.get(shard) ?? [];
      batch.add(keys[0] as string, (p) => callScript(p, 'ackOutbox', keys, [this.leaseToken, ...ids]));
    }
    const replies = await batch.exec();
    return new Map(shards.map((shard, i) => [shard, replies[i] !== -1]));
  }

  /**
   * Fast path (scorer): entries this process wrote and has published itself, with the number of
   * changes each holds, are deleted (one round trip; no lease needed, see delete-published.lua).
   */
  async deletePublished(entries: readonly { shard: number; id: string; changes: number }[]): Promise<void> {
    const byShard = new Map<number, (string | number)[]>();
    for (const { shard, id, changes } of entries) {
      const args = byShard.get(shard);
      if (args === undefined) byShard.set(shard, [id, changes]);
      else args.push(id, changes);
    }
    const batch = new CommandBatch(this.redis);
    for (const [shard, args] of byShard) {
      const keys = [this.keyspace.outbox(shard, this.stream), this.keyspace.outboxPending(shard)];
      batch.add(keys[0] as string, (p) => callScript(p, 'deletePublished', keys, args));
    }
    await batch.exec();
  }

  /**
   * Changes waiting in all shards (the backlog gauge and back-pressure signal): the
   * segment-change outbox keeps their count beside the stream (an entry holds several); the
   * others hold one per entry.
   */
  async backlog(): Promise<number> {
    const batch = new CommandBatch(this.redis);
    for (const shard of this.keyspace.shardIds) {
      const key = this.keyspace.outbox(shard, this.stream);
      const pending = this.pendingKey?.(shard);
      if (pending) batch.add(key, (p) => p.get(pending));
      else batch.add(key, (p) => p.xlen(key));
    }
    const replies = await batch.exec();
    return replies.reduce<number>((sum, n) => sum + Number(n ?? 0), 0);
  }

  release(): Promise<void> {
    return releaseShards(this.redis, this.keyspace, this.leases, this.leaseToken);
  }
}

function fieldValues(fields: Buffer[], name: string): Buffer[] {
  const values: Buffer[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) if ((fields[i] as Buffer).toString('latin1') === name) values.push(fields[i + 1] as Buffer);
  if (values.length === 0) throw new Error(`outbox entry without field ${name}`);
  return values;
}
