/**
 * The CDNOW summaries of /work/shared/datasets (the folder CI lays beside the checkout, read
 * the same way as test/harness.ts does: `../shared/datasets/` from the repository root).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { groupCells, type BgNbdCell, type GammaGammaCell } from '../src/index.js';

export const datasets = fileURLToPath(new URL('../../../../shared/datasets/', import.meta.url));

function csv(file: string): number[][] {
  const [, ...lines] = readFileSync(`${datasets}${file}`, 'utf8').trim().split('\n');
  return lines.map((line) => line.split(',').map(Number));
}

/** ID,frequency,recency,T in weeks, grouped into cells of identical (x, t_x, T) */
export function cdnowCells(): BgNbdCell[] {
  const customers = csv('cdnow_customers_summary.csv').map(([, x, tx, T]) => ({ x: x!, tx: tx!, T: T! }));
  return groupCells(customers, (c) => `${c.x}|${c.tx}|${c.T}`);
}

export function cdnowCustomerCount(): number {
  return csv('cdnow_customers_summary.csv').length;
}

/** ID,x,t_x,T,zbar: the repeat customers (x > 0) only, grouped by (x, zbar) */
export function cdnowSpendCells(): { cells: GammaGammaCell[]; customers: number } {
  const repeat = csv('cdnow_customers_summary_with_transactions.csv').filter((row) => row[1]! > 0);
  const cells = groupCells(repeat.map(([, x, , , zbar]) => ({ x: x!, zbar: zbar! })), (c) => `${c.x}|${c.zbar}`);
  return { cells, customers: repeat.length };
}

/** Fader, Hardie & Lee (2005) table 1, weeks */
export const PUBLISHED_BGNBD = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
export const PUBLISHED_BGNBD_LL = -9582.4;
/** Fader & Hardie (2013) */
export const PUBLISHED_GAMMA_GAMMA = { p: 6.25, q: 3.74, gamma: 15.44 };
