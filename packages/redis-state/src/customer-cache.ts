/**
 * The customers this process wrote last, as Redis now holds them (if no one else wrote since):
 * version, state, dedupe ledger, history and due time. A step for a cached customer skips the
 * read round trip (load-customers.lua) and plans from here; the atomic step's compare-and-set
 * on the version still decides. If another process wrote the customer meanwhile (a clock pass,
 * a rebalance, a replay), the version moved, the step refuses the write, the entry is dropped
 * and the customer is read and planned again: a stale entry costs a round trip, never a lost
 * or double-applied event. Versions only grow (every write adds one and customers are never
 * deleted), so an old version cannot come back with other content; a Redis that came back
 * with fewer writes (a failover that lost some) is why `clear()` runs on every reconnect.
 *
 * Customers not cached can be written optimistically as never seen (version 0): a first
 * purchase then costs one round trip instead of two, and a customer who does exist fails the
 * compare-and-set and is read. Whether that pays is measured as it goes: while most optimistic
 * writes conflict (a scorer just started, with a cold cache and old customers) misses are read
 * first, except one in PROBE_EVERY, which keeps the measurement going.
 */
import type { CustomerRef } from './keys.js';

/**
 * A customer as the step stored it, in the stored encodings: the state and the dedupe ledger
 * side by side in ONE buffer of their own (a hit decodes them, as a read would). Kept as
 * decoded objects, 100,000 customers' states and ledgers made every scavenge copy and every
 * mark-compact walk them: the scorer spent more CPU per event with the cache than without.
 */
export interface CachedCustomer {
  version: number;
  /** encoded state, then the ledger's bytes */
  bytes: Buffer;
  /** where the ledger starts in bytes (0: no state, which only a never-seen customer has) */
  stateLength: number;
  history: string | null;
  dueAtMs: number | null;
}

/** The share of optimistic writes that conflicted, smoothed over about the last 100. */
const SMOOTHING = 0.01;
/** Above this conflict share misses are read first. */
const OPTIMISTIC_UP_TO = 0.2;
const PROBE_EVERY = 16;

export class CustomerCache {
  private readonly entries = new Map<string, CachedCustomer>();
  private conflictShare = 0;
  private misses = 0;

  /** `capacity`: most customers kept (least recently used go first); 0 keeps none. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new Error(`customer cache capacity must be an integer ≥ 0, got ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(ref: CustomerRef): CachedCustomer | undefined {
    const key = keyOf(ref);
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      // most recently used last: Map keeps insertion order
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(ref: CustomerRef, entry: CachedCustomer): void {
    if (this.capacity === 0) return;
    const key = keyOf(ref);
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(ref: CustomerRef): void {
    this.entries.delete(keyOf(ref));
  }

  clear(): void {
    this.entries.clear();
  }

  /** Whether a customer not in the cache is written as never seen instead of read first. */
  optimisticMiss(): boolean {
    if (this.capacity === 0) return false;
    if (this.conflictShare <= OPTIMISTIC_UP_TO) return true;
    return this.misses++ % PROBE_EVERY === 0;
  }

  /** An optimistic write's outcome: `conflicted` when the customer existed after all. */
  noteOptimistic(conflicted: boolean): void {
    this.conflictShare += SMOOTHING * ((conflicted ? 1 : 0) - this.conflictShare);
  }
}

const keyOf = (ref: CustomerRef): string => `${ref.tenantId}\u0000${ref.customerId}`;
