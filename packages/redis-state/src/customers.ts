import type { Redis } from 'ioredis';
import { decodeState, encodeState, type CustomerState, type IndexValues } from '@bondstream/model';
import type { CustomerKeys, CustomerRef, KeySpace } from './keys.js';
import { hasApplied, nextLedger, parseLedger, type Ledger } from './ledger.js';
import { callScript, defineScripts } from './scripts.js';

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
}

/** Reads the state and the dedupe ledger of many customers in one round trip. */
export async function loadCustomers(redis: Redis, keyspace: KeySpace, requests: readonly LoadRequest[]): Promise<StoredCustomer[]> {
  if (requests.length === 0) return [];
  const pipeline = redis.pipeline();
  const keys = requests.map((r) => keyspace.customer(r.ref));
  requests.forEach((request, i) => {
    const k = keys[i] as CustomerKeys;
    pipeline.hmget(k.state, 'v', 's');
    pipeline.hgetBuffer(k.state, 'e');
    pipeline.zscore(k.due, request.ref.customerId);
  });
  const replies = await execOrThrow(pipeline);
  return requests.map((request, i) => {
    const [version, encoded] = replies[3 * i] as (string | null)[];
    const ledger = parseLedger((replies[3 * i + 1] as Buffer | null) ?? null);
    const due = replies[3 * i + 2] as string | null;
    return {
      ref: request.ref,
      keys: keys[i] as CustomerKeys,
      version: version == null ? 0 : Number(version),
      state: encoded == null ? null : decodeState(encoded),
      alreadyApplied: new Set(request.eventIds.filter((id) => hasApplied(ledger, id))),
      dueAtMs: due == null ? null : Number(due),
      ledger,
    };
  });
}

export interface OutboxAppend {
  /** "dimension:value" of the old segment, null for a first assignment */
  fromKey: string | null;
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
}

export interface WriteResult {
  written: CustomerWrite[];
  /** writes whose version moved since the read (another scorer got there first): re-read and retry */
  conflicts: CustomerWrite[];
}

/** Applies many customers' atomic steps in one round trip. */
export async function writeCustomers(
  redis: Redis,
  writes: readonly CustomerWrite[],
  options: { wallNowMs: number; dedupeRetentionMs: number },
): Promise<WriteResult> {
  if (writes.length === 0) return { written: [], conflicts: [] };
  defineScripts(redis);
  const pipeline = redis.pipeline();
  for (const write of writes) {
    const k = write.stored.keys;
    const args: (string | number | Buffer)[] = [
      write.stored.version, write.stored.version + 1, encodeState(write.state),
      nextLedger(write.stored.ledger, write.appliedEventIds, options.wallNowMs, options.dedupeRetentionMs),
      write.stored.ref.customerId,
      orEmpty(write.index.lastPurchaseDay), orEmpty(write.index.frequency),
      orEmpty(write.index.monetaryCents), orEmpty(write.index.profitCents),
      orEmpty(write.dueAtMs),
      write.outbox.length,
    ];
    for (const change of write.outbox) args.push(change.fromKey ?? '', change.toKey, change.event);
    callScript(pipeline, 'applyCustomer', [
      k.state, k.outbox, k.recencyIndex, k.frequencyIndex, k.monetaryIndex, k.profitIndex, k.segmentCounts, k.due,
    ], args);
  }
  const replies = await execOrThrow(pipeline);
  const result: WriteResult = { written: [], conflicts: [] };
  writes.forEach((write, i) => {
    const [ok] = replies[i] as [number, number];
    (ok === 1 ? result.written : result.conflicts).push(write);
  });
  return result;
}

function orEmpty(value: number | null): string | number {
  return value === null ? '' : value;
}

/** Runs a pipeline and throws the first command error (ioredis reports them per command). */
export async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const results = await pipeline.exec();
  if (results === null) throw new Error('redis pipeline was discarded');
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
