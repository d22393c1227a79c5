import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProducerRecord } from 'kafkajs';
import { importFile, type ImportOptions, type OrderProducer } from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'importer-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const file = join(tmp, 'orders.txt');
writeFileSync(file, Array.from({ length: 10 }, (_, i) => ` ${String(i + 1).padStart(5, '0')} 19970101  1   1${i}.00`).join('\n'));

/**
 * Sorted by customer, as CDNOW_master.txt is: each customer's orders over the years, then the
 * next customer's. Line 4 is bad. In time order: lines 5, 1, 7, 2, 8, 3, 6, 9 (ties by line).
 */
const byCustomer = join(tmp, 'by-customer.txt');
writeFileSync(byCustomer, [
  ' 00001 19970102  1   1.00', // 1
  ' 00001 19970105  1   2.00', // 2
  ' 00001 19970301  1   3.00', // 3
  ' 00001 1997xx01  1   4.00', // 4: bad
  ' 00002 19970101  1   5.00', // 5
  ' 00002 19970401  1   6.00', // 6
  ' 00003 19970102  1   7.00', // 7
  ' 00003 19970201  1   8.00', // 8
  ' 00003 19970401  1   9.00', // 9
].join('\n'));
const TIME_ORDER = [5, 1, 7, 2, 8, 3, 6, 9].map((line) => `by-customer:${line}`);

const options = (checkpointPath: string, over: Partial<ImportOptions> = {}): ImportOptions => ({
  file, format: 'cdnow', source: 'orders', tenantId: 'default', currency: 'USD', topic: 't',
  checkpointPath, restart: false, batchSize: 2, maxInFlight: 2, ...over,
});
const timeOptions = (checkpointPath: string, over: Partial<ImportOptions> = {}): ImportOptions =>
  options(checkpointPath, { file: byCustomer, source: 'by-customer', order: 'time', ...over });

/** Records what was sent; the n-th send (1-based) fails, as a broker outage would. */
function producer(failOnSend?: number): OrderProducer & { sent: string[] } {
  const sent: string[] = [];
  let sends = 0;
  return {
    sent,
    async send(record: ProducerRecord) {
      sends += 1;
      if (sends === failOnSend) throw new Error('broker unavailable');
      sent.push(...record.messages.map((m) => JSON.parse(String(m.value)).eventId as string));
      return [];
    },
  };
}

const badRows = (): { onBadRow(row: { line: number }): void; lines: number[] } => {
  const lines: number[] = [];
  return { lines, onBadRow: (row) => lines.push(row.line) };
};

describe('importFile checkpoints in file order', () => {
  it('keeps the acknowledged batches after a failed send, and the next run sends the rest', async () => {
    const checkpoint = join(tmp, 'ck.json');
    const failing = producer(3);
    await expect(importFile(failing, options(checkpoint, { order: 'file' }), { onBadRow: () => undefined })).rejects.toThrow(/broker unavailable/);
    const saved = JSON.parse(readFileSync(checkpoint, 'utf8'));
    expect(saved).toMatchObject({ order: 'file', line: 4, produced: 4, complete: false }); // batches 1 and 2 acknowledged

    const resumed = producer();
    const summary = await importFile(resumed, options(checkpoint, { order: 'file' }), { onBadRow: () => undefined });
    expect(summary).toMatchObject({ order: 'file', resumedAfterLine: 4, resumedAfterEvents: 4, produced: 6, totalProduced: 10, complete: true, sort: null });
    expect(resumed.sent[0]).toBe('orders:5');
    expect(new Set([...failing.sent, ...resumed.sent]).size).toBe(10); // nothing lost; any overlap would dedupe
  });

  it('refuses a checkpoint of another import', async () => {
    const checkpoint = join(tmp, 'other.json');
    await importFile(producer(), { ...options(checkpoint), limit: 3 }, { onBadRow: () => undefined });
    await expect(importFile(producer(), { ...options(checkpoint), tenantId: 'shop-2' }, { onBadRow: () => undefined }))
      .rejects.toThrow(/checkpoint .* is for tenantId "default", not "shop-2"; pass --restart/);
  });

  it('continues a checkpoint written before the time order (version 1) in file order', async () => {
    const checkpoint = join(tmp, 'v1.json');
    writeFileSync(checkpoint, JSON.stringify({
      version: 1, file, size: readFileSync(file).length, format: 'cdnow', source: 'orders', tenantId: 'default',
      line: 6, produced: 6, badRows: 0, complete: false, updatedAt: new Date().toISOString(),
    }));
    await expect(importFile(producer(), options(checkpoint), { onBadRow: () => undefined })).rejects.toThrow(/unfinished import in file order; pass --order file/);
    const sent = producer();
    expect(await importFile(sent, options(checkpoint, { order: 'file' }), { onBadRow: () => undefined })).toMatchObject({ resumedAfterLine: 6, produced: 4, complete: true });
    expect(sent.sent).toEqual(['orders:7', 'orders:8', 'orders:9', 'orders:10']);
  });
});

describe('importFile in time order', () => {
  it('produces a file sorted by customer in occurredAt order, ties by line, and reports the range', async () => {
    const sent = producer();
    const bad = badRows();
    const summary = await importFile(sent, timeOptions(join(tmp, 't1.json')), bad);
    expect(sent.sent).toEqual(TIME_ORDER);
    expect(bad.lines).toEqual([4]);
    expect(summary).toMatchObject({
      order: 'time', rows: 9, produced: 8, badRows: 1, complete: true, lateEvents: 0, resumedAfterLine: null,
      firstOccurredAt: '1997-01-01T00:00:00.000Z', lastOccurredAt: '1997-04-01T00:00:00.000Z',
      sort: { runs: 0, tempBytes: 0 },
    });
  });

  it('counts the late events of the same file in file order', async () => {
    const summary = await importFile(producer(), timeOptions(join(tmp, 'f1.json'), { order: 'file' }), badRows());
    expect(summary).toMatchObject({ order: 'file', produced: 8, lateEvents: 3, sort: null }); // lines 5, 7 and 8 go back in time
  });

  it('sorts on disk with a small buffer, and removes the temp files also when a send fails', async () => {
    const temp = mkdtempSync(join(tmp, 'sort-'));
    const checkpoint = join(tmp, 't2.json');
    const failing = producer(3);
    await expect(importFile(failing, timeOptions(checkpoint, { sortBufferRows: 3, tempDir: temp }), badRows())).rejects.toThrow(/broker unavailable/);
    expect(readdirSync(temp)).toEqual([]);
    expect(failing.sent.slice(0, 4)).toEqual(TIME_ORDER.slice(0, 4)); // batches 1 and 2; batch 3 failed (4 was in flight)
    expect(JSON.parse(readFileSync(checkpoint, 'utf8'))).toMatchObject({ order: 'time', produced: 4, line: 2, events: 8, badRows: 1, complete: false });

    const resumed = producer();
    const bad = badRows();
    const summary = await importFile(resumed, timeOptions(checkpoint, { sortBufferRows: 3, tempDir: temp }), bad);
    expect(resumed.sent).toEqual(TIME_ORDER.slice(4)); // exactly what the checkpoint does not cover
    expect(bad.lines).toEqual([]); // reported by the first run already
    expect(summary).toMatchObject({ resumedAfterEvents: 4, produced: 4, totalProduced: 8, badRows: 0, totalBadRows: 1, complete: true, sort: { runs: 2, bufferRows: 3 } });
    expect(summary.sort?.tempBytes).toBeGreaterThan(0);
    expect(readdirSync(temp)).toEqual([]);
  });

  it('stops after --limit events and continues from there', async () => {
    const checkpoint = join(tmp, 't3.json');
    const first = producer();
    expect(await importFile(first, timeOptions(checkpoint, { limit: 3 }), badRows())).toMatchObject({ produced: 3, complete: false, interrupted: false });
    const second = producer();
    expect(await importFile(second, timeOptions(checkpoint), badRows())).toMatchObject({ produced: 5, totalProduced: 8, complete: true });
    expect([...first.sent, ...second.sent]).toEqual(TIME_ORDER);
  });

  it('stops at an abort, after the batches in flight, removes its temp files, and resumes', async () => {
    const checkpoint = join(tmp, 't4.json');
    const abort = new AbortController();
    const first: OrderProducer & { sent: string[] } = {
      sent: [],
      async send(record) {
        this.sent.push(...record.messages.map((m) => JSON.parse(String(m.value)).eventId as string));
        abort.abort(); // as if SIGINT came while the first batch was in flight
        return [];
      },
    };
    const temp = mkdtempSync(join(tmp, 'abort-'));
    const summary = await importFile(first, timeOptions(checkpoint, { signal: abort.signal, sortBufferRows: 3, tempDir: temp }), badRows());
    expect(summary).toMatchObject({ interrupted: true, complete: false, produced: 2, sort: { runs: 2 } });
    expect(readdirSync(temp)).toEqual([]); // the runs are removed on an abort too
    const second = producer();
    await importFile(second, timeOptions(checkpoint), badRows());
    expect([...first.sent, ...second.sent]).toEqual(TIME_ORDER);
  });

  it('stops at an abort between reading and producing, with nothing produced and nothing marked complete', async () => {
    const checkpoint = join(tmp, 't7.json');
    const abort = new AbortController();
    const sent = producer();
    const summary = await importFile(sent, timeOptions(checkpoint, { signal: abort.signal, sortBufferRows: 3 }), {
      onBadRow: () => undefined,
      onProgress: (p) => p.phase === 'read' && p.events !== null && abort.abort(), // the file is read and sorted
    });
    expect(summary).toMatchObject({ interrupted: true, complete: false, produced: 0, badRows: 1 });
    expect(sent.sent).toEqual([]);
    expect(await importFile(producer(), timeOptions(checkpoint), badRows())).toMatchObject({ produced: 8, badRows: 0, complete: true });
  });

  it('refuses to resume when the file changed, instead of skipping the wrong events', async () => {
    const copy = join(tmp, 'changing.txt');
    writeFileSync(copy, readFileSync(byCustomer));
    const checkpoint = join(tmp, 't5.json');
    await importFile(producer(), timeOptions(checkpoint, { file: copy, limit: 3 }), badRows());
    writeFileSync(copy, readFileSync(byCustomer, 'utf8').replace('19970102', '19970103')); // same size, another order
    await expect(importFile(producer(), timeOptions(checkpoint, { file: copy }), badRows())).rejects.toThrow(/changed since checkpoint .*first MiB differs.*--restart/);
    await expect(importFile(producer(), timeOptions(checkpoint, { file: copy, order: 'file' }), badRows())).rejects.toThrow(/first MiB differs/);
  });

  it('checks the totals and the line at the checkpoint position before skipping', async () => {
    const checkpoint = join(tmp, 't6.json');
    await importFile(producer(), timeOptions(checkpoint, { limit: 3 }), badRows());
    const saved = JSON.parse(readFileSync(checkpoint, 'utf8'));
    expect(saved).toMatchObject({ produced: 3, line: 7, events: 8 });
    writeFileSync(checkpoint, JSON.stringify({ ...saved, line: 2 }));
    await expect(importFile(producer(), timeOptions(checkpoint), badRows())).rejects.toThrow(/event 3 in time order is line 7, was 2/);
    writeFileSync(checkpoint, JSON.stringify({ ...saved, events: 9 }));
    await expect(importFile(producer(), timeOptions(checkpoint), badRows())).rejects.toThrow(/9 events and 1 bad rows then, 8 and 1 now/);
  });
});
