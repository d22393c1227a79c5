import { describe, expect, it } from 'vitest';
import { hasApplied, ledgerKey, nextLedger, parseLedger } from '../src/ledger.js';

const keys = (ids: string[]): string[] => ids.map(ledgerKey);

const bytes = (x: Buffer | '=' | ''): Buffer | null => (typeof x === 'string' ? null : x);

describe('the dedupe ledger (12 bytes per applied event)', () => {
  it('adds applied ids, keeps the ones inside the retention and drops the rest', () => {
    const first = parseLedger(bytes(nextLedger(new Map(), keys(['old']), 1_000_000, 10_000)));
    const second = parseLedger(bytes(nextLedger(first, keys(['recent']), 1_009_000, 10_000)));
    expect(second.size).toBe(2);
    const third = parseLedger(bytes(nextLedger(second, keys(['new']), 1_012_000, 10_000)));
    expect(['old', 'recent', 'new'].map((id) => hasApplied(third, id))).toEqual([false, true, true]);
    expect([...third.values()]).toEqual([1_009_000, 1_012_000]);
  });

  it('says "unchanged" when nothing was applied or pruned, "empty" when nothing is left', () => {
    const one = parseLedger(bytes(nextLedger(new Map(), keys(['a']), 5_000, 100_000)));
    expect(nextLedger(one, [], 10_000, 100_000)).toBe('=');
    expect(nextLedger(one, [], 1_000_000, 100_000)).toBe('');
    expect(nextLedger(new Map(), [], 1_000, 100)).toBe('=');
  });

  it('costs 12 bytes per event whatever the id, and tells ids apart', () => {
    const ids = Array.from({ length: 1_000 }, (_, i) => `CDNOW_master.txt:${i}-${'x'.repeat(i % 150)}`);
    const stored = nextLedger(new Map(), keys(ids), 2_000_000_000_000, 1_000);
    expect((stored as Buffer).length).toBe(12_000);
    const ledger = parseLedger(stored as Buffer);
    expect(ids.every((id) => hasApplied(ledger, id))).toBe(true);
    expect(hasApplied(ledger, 'CDNOW_master.txt:1000')).toBe(false);
    expect(hasApplied(ledger, '__proto__')).toBe(false);
  });
});
