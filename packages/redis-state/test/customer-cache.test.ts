import { describe, expect, it } from 'vitest';
import { CustomerCache, type CachedCustomer } from '@bondstream/redis-state';

const entry = (version: number): CachedCustomer => ({ version, bytes: Buffer.alloc(0), stateLength: 0, history: null, dueAtMs: null });
const ref = (customerId: string) => ({ tenantId: 't', customerId });

describe('CustomerCache', () => {
  it('keeps the most recently used customers up to its capacity', () => {
    const cache = new CustomerCache(2);
    cache.set(ref('a'), entry(1));
    cache.set(ref('b'), entry(1));
    expect(cache.get(ref('a'))?.version).toBe(1); // a is now the most recent
    cache.set(ref('c'), entry(1)); // b goes
    expect(cache.get(ref('b'))).toBeUndefined();
    expect(cache.get(ref('a'))?.version).toBe(1);
    expect(cache.size).toBe(2);
    cache.delete(ref('a'));
    expect(cache.get(ref('a'))).toBeUndefined();
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('keeps nothing with capacity 0, and never writes optimistically then', () => {
    const cache = new CustomerCache(0);
    cache.set(ref('a'), entry(1));
    expect(cache.size).toBe(0);
    expect(cache.optimisticMiss()).toBe(false);
    expect(() => new CustomerCache(-1)).toThrow(/capacity/);
  });

  it('stops writing misses optimistically while most such writes conflict, probing now and then, and resumes', () => {
    const cache = new CustomerCache(10);
    expect(cache.optimisticMiss()).toBe(true);
    for (let i = 0; i < 200; i++) cache.noteOptimistic(true); // a cold start among old customers
    const decisions = Array.from({ length: 64 }, () => cache.optimisticMiss());
    expect(decisions.filter(Boolean)).toHaveLength(4); // one in 16 still tries
    for (let i = 0; i < 400; i++) cache.noteOptimistic(false); // they are new customers again
    expect(cache.optimisticMiss()).toBe(true);
  });
});
