import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { byTimeThenLine, ExternalSorter, mergeSorted, type SortRecord } from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'importer-sort-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Rows of a file: lines 1..n in order, few distinct times so that ties are common. */
const fileRows = fc.array(fc.record({ ms: fc.integer({ min: 0, max: 20 }), key: fc.string({ maxLength: 6 }) }), { maxLength: 200 })
  .map((rows) => rows.map((r, i): SortRecord => ({ ...r, line: i + 1, value: JSON.stringify({ line: i + 1, tab: '\t', nl: '\n' }) })));

/** The reference: a full stable sort by time, which keeps file (line) order among equal times. */
const fullSort = (rows: SortRecord[]): SortRecord[] => [...rows].sort((a, b) => a.ms - b.ms);

describe('mergeSorted', () => {
  it('merging sorted runs cut from a file gives the full stable sort (ties in file order)', async () => {
    await fc.assert(fc.asyncProperty(fileRows, fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 10 }), async (rows, sizes) => {
      // cut the file into consecutive runs of arbitrary sizes, each sorted by time alone (stable)
      const runs: SortRecord[][] = [];
      for (let at = 0, i = 0; at < rows.length; i += 1) {
        const size = sizes[i % sizes.length] as number;
        runs.push(fullSort(rows.slice(at, at + size)));
        at += size;
      }
      // compare by time only: equal times must come out by source, i.e. in file order
      const merged = await collect(mergeSorted(runs, (a, b) => a.ms - b.ms));
      expect(merged.map((r) => r.line)).toEqual(fullSort(rows).map((r) => r.line));
    }));
  });

  it('closes every source when the consumer stops early', async () => {
    const closed: number[] = [];
    async function* source(id: number): AsyncGenerator<number> {
      try {
        for (let i = 0; i < 5; i += 1) yield id + i * 10;
      } finally {
        closed.push(id);
      }
    }
    const seen: number[] = [];
    for await (const n of mergeSorted([source(1), source(2), source(3)], (a, b) => a - b)) {
      seen.push(n);
      if (seen.length === 4) break;
    }
    expect(seen).toEqual([1, 2, 3, 11]);
    expect(closed.sort()).toEqual([1, 2, 3]);
  });
});

describe('ExternalSorter', () => {
  it('gives the same order as an in-memory sort for any buffer size and fan-in, and removes its temp files', async () => {
    await fc.assert(fc.asyncProperty(fileRows, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 2, max: 5 }), async (rows, bufferRows, fanIn) => {
      const sorter = new ExternalSorter({ bufferRows, fanIn, tempDir: tmp });
      try {
        for (const r of rows) await sorter.add(r);
        const sorted = await collect(sorter.sorted());
        expect(sorted).toEqual([...rows].sort(byTimeThenLine));
        expect(sorter.stats.runs).toBe(Math.floor(rows.length / bufferRows));
        if (sorter.stats.runs + 1 > fanIn) expect(sorter.stats.mergedRuns).toBeGreaterThan(0);
      } finally {
        await sorter.dispose();
      }
      expect(readdirSync(tmp)).toEqual([]);
    }), { numRuns: 60 });
  });

  it('writes no temp file when everything fits in the buffer', async () => {
    const sorter = new ExternalSorter({ bufferRows: 10, tempDir: tmp });
    for (const line of [3, 1, 2]) await sorter.add({ ms: 10 - line, line, key: 'c', value: '{}' });
    expect((await collect(sorter.sorted())).map((r) => r.line)).toEqual([3, 2, 1]);
    expect(sorter.tempDirectory).toBeNull();
    expect(sorter.stats).toEqual({ runs: 0, mergedRuns: 0, tempBytes: 0 });
    await sorter.dispose();
  });

  it('ends the sequence before the intermediate merges after an abort', async () => {
    const sorter = new ExternalSorter({ bufferRows: 1, fanIn: 2, tempDir: tmp });
    for (let line = 1; line <= 5; line += 1) await sorter.add({ ms: line, line, key: 'k', value: '{}' });
    const abort = new AbortController();
    abort.abort();
    expect(await collect(sorter.sorted(abort.signal))).toEqual([]);
    expect(sorter.stats.mergedRuns).toBe(0);
    await sorter.dispose();
  });

  it('removes its temp directory when the consumer stops early', async () => {
    const sorter = new ExternalSorter({ bufferRows: 2, tempDir: tmp });
    for (let line = 1; line <= 9; line += 1) await sorter.add({ ms: 100 - line, line, key: 'k', value: '{}' });
    const dir = sorter.tempDirectory as string;
    expect(readdirSync(dir)).toHaveLength(4);
    for await (const r of sorter.sorted()) {
      expect(r.line).toBe(9);
      break;
    }
    await sorter.dispose();
    expect(existsSync(dir)).toBe(false);
  });
});
