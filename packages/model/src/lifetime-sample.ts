import { purchaseStats } from './purchase-stats.js';
import type { CustomerState } from './types.js';
import { utcDay } from './units.js';

/** A cell of customers sharing BG/NBD statistics (days), as the fit takes them. */
export interface PurchaseCell {
  x: number;
  tx: number;
  T: number;
  weight: number;
}

/** A cell of repeat buyers sharing (x, mean repeat spend in major units), as the Gamma-Gamma fit takes them. */
export interface SpendCell {
  x: number;
  zbar: number;
  weight: number;
}

/**
 * The fit's input from customers' states (a uniform sample of the tenant's purchasing
 * customers, or all of them): each customer's (x, tₓ, T) as of `asOfMs`, the tenant's evaluation
 * time, and for a repeat buyer with a positive repeat spend (x, mean repeat spend), grouped into
 * weighted cells of identical values (the likelihood is a sum over customers, so a cell counts
 * its weight times). Customers who never purchased, or whose first purchase is after `asOfMs`
 * (an event ahead of the clock), are left out.
 */
export function fitInputs(states: Iterable<CustomerState>, asOfMs: number): { purchase: PurchaseCell[]; spend: SpendCell[] } {
  const purchase = new Map<string, PurchaseCell>();
  const spend = new Map<string, SpendCell>();
  for (const state of states) {
    const stats = purchaseStats(state, asOfMs);
    if (stats === null || state.purchaseDays[0]! > utcDay(asOfMs)) continue;
    const { x, tx, T, repeatSpendMean } = stats;
    const key = `${x}:${tx}:${T}`;
    const cell = purchase.get(key);
    if (cell) cell.weight++;
    else purchase.set(key, { x, tx, T, weight: 1 });
    if (repeatSpendMean !== null && repeatSpendMean > 0) {
      const spendKey = `${x}:${repeatSpendMean}`;
      const spent = spend.get(spendKey);
      if (spent) spent.weight++;
      else spend.set(spendKey, { x, zbar: repeatSpendMean, weight: 1 });
    }
  }
  return { purchase: [...purchase.values()], spend: [...spend.values()] };
}

/** A small seeded generator of [0, 1) (mulberry32): the same seed, the same draws. */
export function seededRandom(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
