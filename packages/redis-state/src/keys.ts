import { crc32 } from 'node:zlib';
import { DEFAULT_STATE_SHARDS } from '@bondstream/config';
import { spacedShardTags, type ShardTags } from './shard-tags.js';

/*
 * State shards (REDIS_STATE_SHARDS, 16 by default): every key of one customer carries the hash
 * tag of its shard, so one customer's atomic step touches a single Redis Cluster slot; the
 * shard's outbox, population indexes and segment counts share that tag so they can be updated in
 * the same step. Changing the count re-homes every customer: a namespace is built with one value
 * for life, recorded in Redis with how its tags are named (state-layout.ts, shard-tags.ts).
 */
/** Redis Cluster has 16,384 slots: more shards than that could not each have a slot. */
export const MAX_STATE_SHARDS = 16_384;

export interface CustomerRef {
  tenantId: string;
  customerId: string;
}

export interface CustomerKeys {
  shard: number;
  /** hash: `v` version, `s` state, `e` dedupe ledger */
  state: string;
  outbox: string;
  /** how many segment changes the outbox holds that are not yet published (its backlog) */
  outboxPending: string;
  recencyIndex: string;
  frequencyIndex: string;
  monetaryIndex: string;
  profitIndex: string;
  segmentCounts: string;
  /** the tenant's due-time index of this shard (customer id → next time the clock looks at it) */
  due: string;
  /** the tenant's transition counts of this shard: this prefix and a UTC day number (hash: "dimension:from>to" → changes) */
  transitionsPrefix: string;
}

/** Per-shard streams: the segment-change outbox, the customer-action outbox, the webhook queue. */
export const STREAMS = ['outbox', 'actions-outbox', 'webhooks'] as const;
export type StreamName = (typeof STREAMS)[number];

/** The keys of one customer's actions (services/actions), all under the customer's shard tag. */
export interface ActionKeys {
  shard: number;
  /** hash: action name → occurredAt ms of the last emitted one (cooldown) */
  cooldown: string;
  /** sorted set: emitted actionIds → wall-clock ms (idempotency) */
  dedupe: string;
  outbox: string;
  webhooks: string;
}

export type IndexName = 'recency' | 'frequency' | 'monetary' | 'profit';

/** The Redis key layout of one namespace (REDIS_NAMESPACE; replays go into a fresh one). */
export class KeySpace {
  /** 0 .. shards - 1, for work that runs per shard */
  readonly shardIds: readonly number[];
  /** per shard, `namespace:{tag}`: the prefix of every key of the shard */
  private readonly prefixes: readonly string[];

  constructor(readonly namespace: string, readonly shards: number = DEFAULT_STATE_SHARDS, readonly tags: ShardTags = 'spaced') {
    if (!Number.isInteger(shards) || shards < 1 || shards > MAX_STATE_SHARDS) {
      throw new Error(`state shards must be an integer 1..${MAX_STATE_SHARDS}, got ${shards}`);
    }
    this.shardIds = Array.from({ length: shards }, (_, shard) => shard);
    const names = tags === 'spaced' ? spacedShardTags(shards) : this.shardIds.map((shard) => `s${shard}`);
    this.prefixes = names.map((name) => `${namespace}:{${name}}`);
  }

  shardOf(ref: CustomerRef): number {
    return crc32(`${ref.tenantId}\u0000${ref.customerId}`) % this.shards;
  }

  private tag(shard: number): string {
    return this.prefixes[shard] as string;
  }

  /** The keys a shard's customers of one tenant share, built once (this runs for every customer of every batch). */
  private readonly shared = new Map<string, Omit<CustomerKeys, 'state'>>();

  customer(ref: CustomerRef): CustomerKeys {
    const shard = this.shardOf(ref);
    const id = `${shard}:${ref.tenantId}`;
    let shared = this.shared.get(id);
    if (shared === undefined) {
      shared = {
        shard,
        outbox: this.outbox(shard),
        outboxPending: this.outboxPending(shard),
        recencyIndex: this.index(shard, ref.tenantId, 'recency'),
        frequencyIndex: this.index(shard, ref.tenantId, 'frequency'),
        monetaryIndex: this.index(shard, ref.tenantId, 'monetary'),
        profitIndex: this.index(shard, ref.tenantId, 'profit'),
        segmentCounts: this.segmentCounts(shard, ref.tenantId),
        due: this.due(shard, ref.tenantId),
        transitionsPrefix: this.transitions(shard, ref.tenantId, ''),
      };
      this.shared.set(id, shared);
    }
    return { ...shared, state: `${this.tag(shard)}:c:${ref.tenantId}:${ref.customerId}` };
  }

  actions(ref: CustomerRef): ActionKeys {
    const shard = this.shardOf(ref);
    const tag = this.tag(shard);
    const who = `${ref.tenantId}:${ref.customerId}`;
    return {
      shard,
      cooldown: `${tag}:ac:${who}`,
      dedupe: `${tag}:ad:${who}`,
      outbox: this.outbox(shard, 'actions-outbox'),
      webhooks: this.outbox(shard, 'webhooks'),
    };
  }

  /** A shard's stream: `outbox` (segment changes) by default. */
  outbox(shard: number, stream: StreamName = 'outbox'): string {
    return `${this.tag(shard)}:${stream}`;
  }

  /**
   * The count of segment changes in a shard's outbox not yet published: an outbox entry holds
   * all the changes of one atomic step call, so the stream's length no longer counts changes.
   */
  outboxPending(shard: number): string {
    return `${this.tag(shard)}:outbox-pending`;
  }

  /** The lease of whoever drains a shard's stream (one process per shard at a time). */
  relayLease(shard: number, stream: StreamName = 'outbox'): string {
    return stream === 'outbox' ? `${this.tag(shard)}:relay-lease` : `${this.tag(shard)}:${stream}-lease`;
  }

  /** The lease of whoever runs the clock of a shard (one process per shard at a time). */
  clockLease(shard: number): string {
    return `${this.tag(shard)}:clock-lease`;
  }

  due(shard: number, tenantId: string): string {
    return `${this.tag(shard)}:due:${tenantId}`;
  }

  index(shard: number, tenantId: string, name: IndexName): string {
    return `${this.tag(shard)}:ix:${tenantId}:${name}`;
  }

  /**
   * A tenant's segment changes of one UTC day on this shard, counted per transition ('' gives the
   * prefix; 'days' the zset of the days kept).
   */
  transitions(shard: number, tenantId: string, day: number | '' | 'days'): string {
    return `${this.tag(shard)}:tr:${tenantId}:${day}`;
  }

  segmentCounts(shard: number, tenantId: string): string {
    return `${this.tag(shard)}:segcount:${tenantId}`;
  }

  /** Who holds leases of one kind (sorted set: token → expiry ms), for each holder's fair share. */
  leaseMembers(kind: string): string {
    return `${this.namespace}:lease-members:${kind}`;
  }

  /** Set of tenant ids seen (not slot-bound: written outside the atomic step, idempotently). */
  tenants(): string {
    return `${this.namespace}:tenants`;
  }

  thresholds(tenantId: string): string {
    return `${this.namespace}:thresholds:${tenantId}`;
  }

  thresholdsLease(tenantId: string): string {
    return `${this.namespace}:thresholds-lease:${tenantId}`;
  }

  watermark(tenantId: string): string {
    return `${this.namespace}:watermark:${tenantId}`;
  }

  /** The tenant's fitted lifetime model (JSON snapshot) and the lease of the scorer that refits it. */
  lifetimeModel(tenantId: string): string {
    return `${this.namespace}:lifetime-model:${tenantId}`;
  }

  lifetimeModelLease(tenantId: string): string {
    return `${this.namespace}:lifetime-model-lease:${tenantId}`;
  }

  /** hash: scorer token → the tenant's model version it scores with (all its rounds planned with older ones written) */
  lifetimeModelAdopted(tenantId: string): string {
    return `${this.namespace}:lifetime-model-adopted:${tenantId}`;
  }

  /** Per input partition, the newest event time seen for a tenant and when it came (hash). */
  partitionTimes(tenantId: string): string {
    return `${this.namespace}:partition-times:${tenantId}`;
  }

  /** Every input partition of the scorers' group, and whether its consumer was behind (hash). */
  inputPartitions(): string {
    return `${this.namespace}:input-partitions`;
  }
}

/** The SCAN pattern of a namespace's customer state keys, whatever its shard tags. */
export const customerStatePattern = (namespace: string): string => `${namespace}:{s*}:c:*`;
