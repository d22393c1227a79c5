import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProducerRecord } from 'kafkajs';
import { importFile, type ImportOptions, type OrderProducer } from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'importer-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const file = join(tmp, 'orders.txt');
writeFileSync(file, Array.from({ length: 10 }, (_, i) => ` ${String(i + 1).padStart(5, '0')} 19970101  1   1${i}.00`).join('\n'));

const options = (checkpointPath: string): ImportOptions => ({
  file, format: 'cdnow', source: 'orders', tenantId: 'default', currency: 'USD', topic: 't',
  checkpointPath, restart: false, batchSize: 2, maxInFlight: 2,
});

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

describe('importFile checkpoints', () => {
  it('keeps the acknowledged batches after a failed send, and the next run sends the rest', async () => {
    const checkpoint = join(tmp, 'ck.json');
    const failing = producer(3);
    await expect(importFile(failing, options(checkpoint), { onBadRow: () => undefined })).rejects.toThrow(/broker unavailable/);
    const saved = JSON.parse(readFileSync(checkpoint, 'utf8'));
    expect(saved).toMatchObject({ line: 4, produced: 4, complete: false }); // batches 1 and 2 acknowledged

    const resumed = producer();
    const summary = await importFile(resumed, options(checkpoint), { onBadRow: () => undefined });
    expect(summary).toMatchObject({ resumedAfterLine: 4, produced: 6, totalProduced: 10, complete: true });
    expect(resumed.sent[0]).toBe('orders:5');
    expect(new Set([...failing.sent, ...resumed.sent]).size).toBe(10); // nothing lost; any overlap would dedupe
  });

  it('refuses a checkpoint of another import', async () => {
    const checkpoint = join(tmp, 'other.json');
    await importFile(producer(), { ...options(checkpoint), limit: 3 }, { onBadRow: () => undefined });
    await expect(importFile(producer(), { ...options(checkpoint), tenantId: 'shop-2' }, { onBadRow: () => undefined }))
      .rejects.toThrow(/checkpoint .* is for tenantId "default", not "shop-2"; pass --restart/);
  });
});
