import { spendOfLevel } from './purchase-stats.js';

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
 * Turns a tenant's cell counts (`lifetimeCells`: `b:x:tx:firstDay`, `g:x:level` → customers)
 * into fit cells as of `asOfDay` (a UTC day number: T = asOfDay − first day). Customers whose
 * first purchase is after `asOfDay` (an event ahead of the clock) are left out; so are cells
 * that do not parse (written by a newer version).
 */
export function fitCells(counts: ReadonlyMap<string, number>, asOfDay: number): { purchase: PurchaseCell[]; spend: SpendCell[] } {
  const purchase: PurchaseCell[] = [];
  const spend: SpendCell[] = [];
  for (const [cell, weight] of counts) {
    if (!(weight > 0)) continue;
    const parts = cell.split(':').map(Number);
    if (cell.startsWith('b:') && parts.length === 4) {
      const [, x, tx, first] = parts as [number, number, number, number];
      const T = asOfDay - first;
      if (Number.isInteger(x) && x >= 0 && tx >= 0 && T >= tx) purchase.push({ x, tx, T, weight });
    } else if (cell.startsWith('g:') && parts.length === 3) {
      const [, x, level] = parts as [number, number, number];
      if (Number.isInteger(x) && x > 0 && Number.isFinite(level)) spend.push({ x, zbar: spendOfLevel(level), weight });
    }
  }
  return { purchase, spend };
}

/**
 * A uniform sample of about `size` customers from weighted cells, so that a refit's cost is
 * bounded whatever the tenant's size: each cell keeps weight × size / total customers, rounded
 * up or down at random in proportion (unbiased), with a seeded generator (the same seed, the
 * same sample). Cells left with weight 0 are dropped. Cells are returned as they are when the
 * total is within `size`.
 */
export function sampleCells<C extends { weight: number }>(cells: readonly C[], size: number, seed: number): C[] {
  const total = cells.reduce((n, c) => n + c.weight, 0);
  if (total <= size) return [...cells];
  const share = size / total;
  const random = seededRandom(seed);
  const sampled: C[] = [];
  for (const cell of cells) {
    const expected = cell.weight * share;
    const weight = Math.floor(expected) + (random() < expected - Math.floor(expected) ? 1 : 0);
    if (weight > 0) sampled.push({ ...cell, weight });
  }
  return sampled;
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
