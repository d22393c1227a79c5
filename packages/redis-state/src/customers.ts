import { decodeState, type CustomerState, type IndexValues } from '@bondstream/model';
import type { CustomerKeys, CustomerRef, KeySpace } from './keys.js';
import { ledgerKey, parseLedger, type Ledger } from './ledger.js';
import { CommandBatch } from './batch.js';
import type { RedisClient } from './client.js';
import { callScript } from './scripts.js';
import { packCustomerWrites } from './step-args.js';

export interface LoadRequest {
  ref: CustomerRef;
  /** ids of the events about to be applied: the answer says which were already applied */
  eventIds: readonly string[];
}

export interface StoredCustomer {
  ref: CustomerRef;
  keys: CustomerKeys;
  /** Writes so far (events, clock, thresholds): the compare-and-set version. 0 for a customer never seen. */
  version: number;
  state: CustomerState | null;
  alreadyApplied: Set<string>;
  /** when the clock is to look at the customer (null: nothing due) */
  dueAtMs: number | null;
  /** the dedupe ledger as stored (pruned and extended by the write) */
  ledger: Ledger;
  /** the ledger keys of the requested event ids, computed once for the check and the write */
  ledgerKeys: Map<string, string>;
  /** the recent-changes history as stored (`appendChanges` of @bondstream/model), null for none */
  history: string | null;
}

/**
 * Most customers one script call carries: enough to make the call's own cost small per
 * customer, few enough that one call does not hold Redis (single-threaded) for long.
 */
const CUSTOMERS_PER_CALL = 200;

/**
 * Splits items into the script calls that carry them: one group per shard and tenant (the
 * shard's keys and the tenant's indexes are the call's shared keys), at most
 * CUSTOMERS_PER_CALL each. Returns the groups in a fixed order with each item's position.
 */
function groupByShard<T>(items: readonly T[], keysOf: (item: T, i: number) => { keys: CustomerKeys; ref: CustomerRef }): { at: number[]; first: T }[] {
  const groups = new Map<string, { at: number[]; first: T }[]>();
  items.forEach((item, i) => {
    const { keys, ref } = keysOf(item, i);
    const id = `${keys.shard}\u0000${ref.tenantId}`;
    let chunks = groups.get(id);
    if (chunks === undefined) groups.set(id, (chunks = []));
    let last = chunks[chunks.length - 1];
    if (last === undefined || last.at.length >= CUSTOMERS_PER_CALL) chunks.push((last = { at: [], first: item }));
    last.at.push(i);
  });
  return [...groups.values()].flat();
}

/** Reads the state and the dedupe ledger of many customers in one round trip (one script call per shard and tenant). */
export async function loadCustomers(redis: RedisClient, keyspace: KeySpace, requests: readonly LoadRequest[]): Promise<StoredCustomer[]> {
  if (requests.length === 0) return [];
  const keys = requests.map((r) => keyspace.customer(r.ref));
  const groups = groupByShard(requests, (r, i) => ({ keys: keys[i] as CustomerKeys, ref: r.ref }));
  const batch = new CommandBatch(redis);
  for (const group of groups) {
    const scriptKeys = [(keys[group.at[0] as number] as CustomerKeys).due, ...group.at.map((i) => (keys[i] as CustomerKeys).state)];
    const customerIds = group.at.map((i) => (requests[i] as LoadRequest).ref.customerId);
    batch.add(scriptKeys[0] as string, (p) => callScript(p, 'loadCustomers', scriptKeys, customerIds, 'buffers'));
  }
  const replies = await batch.exec();
  const loaded = new Array<StoredCustomer>(requests.length);
  groups.forEach((group, g) => {
    const values = replies[g] as (Buffer | null)[];
    group.at.forEach((i, n) => {
      const [version, encoded, ledgerBytes, history, due] = values.slice(5 * n, 5 * n + 5);
      const request = requests[i] as LoadRequest;
      const ledger = parseLedger(ledgerBytes ?? null);
      const ledgerKeys = new Map(request.eventIds.map((id) => [id, ledgerKey(id)]));
      loaded[i] = {
        ref: request.ref,
        keys: keys[i] as CustomerKeys,
        version: version == null ? 0 : Number(version.toString()),
        state: encoded == null ? null : decodeState(encoded),
        alreadyApplied: new Set(request.eventIds.filter((id) => ledger.has(ledgerKeys.get(id) as string))),
        dueAtMs: due == null ? null : Number(due.toString()),
        ledger,
        ledgerKeys,
        history: history == null ? null : history.toString('utf8'),
      };
    });
  });
  return loaded;
}

export interface OutboxAppend {
  /** "dimension:value" of the old segment, null for a first assignment */
  fromKey: string | null;
  /** "dimension:value" of the new segment */
  toKey: string;
  /** the serialized segment-change event */
  event: string;
}

export interface CustomerWrite {
  stored: StoredCustomer;
  state: CustomerState;
  /** empty for a clock or thresholds re-evaluation */
  appliedEventIds: readonly string[];
  index: IndexValues;
  /** when the clock should look at the customer again (null: only an event can change it) */
  dueAtMs: number | null;
  outbox: readonly OutboxAppend[];
  /** the recent-changes history after this write (`appendChanges` of @bondstream/model) */
  history: string | null;
  /** when the outbox's changes happened: their day's transition counts get them */
  changesAtMs: number;
  /** when the newest input record of this write entered Kafka (ms), if it came from one: latency is measured from there */
  sourceProducedAtMs?: number;
}

/** The outbox entry one script call wrote: the changes of its written customers, in order. */
export interface OutboxEntryWritten {
  shard: number;
  /** the stream entry's id */
  id: string;
  /** the stored changes (OutboxAppend.event), as the entry holds them */
  events: string[];
  /** sourceProducedAtMs of its writes that had one */
  sourceProducedAtMs: number[];
}

export interface WriteResult {
  written: CustomerWrite[];
  /** one per script call that wrote changes: what the relay's fast path publishes */
  outboxEntries: OutboxEntryWritten[];
  /** writes whose version moved since the read (another scorer got there first): re-read and retry */
  conflicts: CustomerWrite[];
}

/** Applies many customers' atomic steps in one round trip (one script call per shard and tenant). */
export async function writeCustomers(
  redis: RedisClient,
  writes: readonly CustomerWrite[],
  options: { wallNowMs: number; dedupeRetentionMs: number },
): Promise<WriteResult> {
  if (writes.length === 0) return { written: [], conflicts: [], outboxEntries: [] };
  const groups = groupByShard(writes, (w) => w.stored);
  const batch = new CommandBatch(redis);
  for (const group of groups) {
    const k = group.first.stored.keys;
    // one transition-count hash per day the group's changes happened on
    const days: number[] = [];
    for (const i of group.at) {
      const write = writes[i] as CustomerWrite;
      if (write.outbox.length === 0) continue;
      const day = Math.floor(write.changesAtMs / DAY_MS);
      if (!days.includes(day)) days.push(day);
    }
    const keys = [k.outbox, k.outboxPending, k.recencyIndex, k.frequencyIndex, k.monetaryIndex, k.profitIndex, k.segmentCounts, k.due,
      `${k.transitionsPrefix}days`, ...days.map((day) => `${k.transitionsPrefix}${day}`)];
    const groupWrites = group.at.map((i) => writes[i] as CustomerWrite);
    for (const write of groupWrites) keys.push(write.stored.keys.state);
    const blob = packCustomerWrites(groupWrites, (write) => days.indexOf(Math.floor(write.changesAtMs / DAY_MS)) + 1, options);
    const args: (string | number | Buffer)[] = [days.length, TRANSITION_RETENTION_SECONDS, ...days, blob];
    batch.add(k.outbox, (p) => callScript(p, 'applyCustomers', keys, args));
  }
  // Durable: the offsets of the batch are committed after this, so its writes must be on
  // REDIS_WAIT_REPLICAS replicas by then (DESIGN 4).
  const replies = await batch.exec({ durable: true });
  const stored = new Array<boolean>(writes.length);
  const outboxEntries: OutboxEntryWritten[] = [];
  groups.forEach((group, g) => {
    const outcome = replies[g] as [string, ...number[]];
    const events: string[] = [];
    const sourceProducedAtMs: number[] = [];
    group.at.forEach((i, n) => {
      stored[i] = outcome[1 + 2 * n] === 1;
      const write = writes[i] as CustomerWrite;
      if (!stored[i] || write.outbox.length === 0) return;
      for (const change of write.outbox) events.push(change.event);
      if (write.sourceProducedAtMs !== undefined && Number.isFinite(write.sourceProducedAtMs)) sourceProducedAtMs.push(write.sourceProducedAtMs);
    });
    if (outcome[0] !== '') outboxEntries.push({ shard: group.first.stored.keys.shard, id: outcome[0], events, sourceProducedAtMs });
  });
  const result: WriteResult = { written: [], conflicts: [], outboxEntries };
  writes.forEach((write, i) => (stored[i] ? result.written : result.conflicts).push(write));
  return result;
}

export { transitionField } from './step-args.js';

/**
 * How long a day's transition counts are kept after its last change, at most: the console
 * looks back 90 days. The clock also drops the days more than TRANSITION_KEEP_DAYS behind the
 * tenant's clock (trimTransitionDays), which matters when event time runs ahead of wall time.
 */
export const TRANSITION_RETENTION_SECONDS = 100 * 86_400;
const DAY_MS = 86_400_000;
