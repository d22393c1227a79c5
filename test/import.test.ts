import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockKafka, waitFor, type MockKafka } from '@bondstream/testkit';
import { collect, datasets, fetchProfiles, startService, startStack, waitForOutcomes, type RunningService, type Stack } from './harness.js';
import { importCli } from './import-cli.js';
import { expectedTotals, profileMismatches, readCdnow, type CdnowOrder, type ExpectedCustomer, type ProfileTotals } from './cdnow.js';

const tmp = mkdtempSync(join(tmpdir(), 'import-e2e-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Orders as the importer produces them by default: by day, ties by line. */
const timeOrder = (orders: readonly CdnowOrder[]): CdnowOrder[] => [...orders].sort((a, b) => a.date.localeCompare(b.date) || a.line - b.line);

/**
 * Net revenue, orders and first/last purchase per customer of online_retail_invoices.csv,
 * computed here from the raw lines (no csv-parse, no importer code): invoices starting with C
 * subtract. Value = |Quantity| × UnitPrice in cents, rounded half up.
 */
function retailTruth(): { truth: Map<string, ExpectedCustomer>; salesCents: Map<string, number>; cancelledCents: Map<string, number> } {
  const truth = new Map<string, ExpectedCustomer>();
  const salesCents = new Map<string, number>();
  const cancelledCents = new Map<string, number>();
  for (const text of readFileSync(`${datasets}online_retail_invoices.csv`, 'utf8').split(/\r?\n/).slice(1)) {
    if (text === '') continue;
    const [invoice, date, customer, , quantity, price] = text.split(',') as [string, string, string, string, string, string];
    if (customer === '(blank)') continue;
    const [whole, fraction = ''] = price.split('.');
    const cents = Math.round((Math.abs(Number(quantity)) * Number(`${whole}${fraction.padEnd(4, '0')}`)) / 100);
    const [md, hm] = date.split(' ') as [string, string];
    const [m, d, y] = md.split('/').map(Number) as [number, number, number];
    const [h, min] = hm.split(':').map(Number) as [number, number];
    const at = new Date(Date.UTC(y, m - 1, d, h, min)).toISOString().replace('.000Z', 'Z');
    const t = truth.get(customer) ?? { orders: 0, revenueCents: 0, first: null, last: null };
    const cancelled = invoice.startsWith('C');
    t.orders += cancelled ? -1 : 1;
    t.revenueCents += cancelled ? -cents : cents;
    const sums = cancelled ? cancelledCents : salesCents;
    sums.set(customer, (sums.get(customer) ?? 0) + cents);
    if (!cancelled) {
      if (t.first === null || at < t.first) t.first = at;
      if (t.last === null || at > t.last) t.last = at;
    }
    truth.set(customer, t);
  }
  return { truth, salesCents, cancelledCents };
}

describe('import CLI into the running scorer', () => {
  let stack: Stack;
  let scorer: RunningService;
  let api: RunningService;

  beforeAll(async () => {
    stack = await startStack();
    scorer = await startService('scorer', stack, { CRM_CLOCK: 'event' });
    api = await startService('api', stack);
  });
  afterAll(async () => {
    await Promise.all([scorer?.stop(), api?.stop()]);
    await stack?.stop();
  });

  // The sample keeps `npm test` fast; IMPORT_CDNOW=master runs the same test on CDNOW_master.txt.
  const cdnowFile = process.env.IMPORT_CDNOW === 'master' ? 'CDNOW_master.txt' : 'CDNOW_sample.txt';

  it(`imports ${cdnowFile} in an interrupted and a resumed run, in event-time order, with profiles equal to the file`, async () => {
    const orders = readCdnow(cdnowFile);
    const sorted = timeOrder(orders);
    const args = ['--format', 'cdnow', '--file', `${datasets}${cdnowFile}`, '--checkpoint', join(tmp, 'cdnow.json'), '--batch-size', '500'];
    const first = await importCli([...args, '--limit', '3000'], stack.kafka.brokers);
    expect(first.code).toBe(0);
    // the checkpoint is a position in time order: 3000 events, the last of them on this line
    expect(first.summary).toMatchObject({
      order: 'time', resumedAfterEvents: 0, lastLine: sorted[2_999]!.line, produced: 3000, complete: false,
      firstOccurredAt: `${sorted[0]!.date}T00:00:00.000Z`, lastOccurredAt: `${sorted[2_999]!.date}T00:00:00.000Z`, lateEvents: 0,
    });

    const second = await importCli(args, stack.kafka.brokers);
    expect(second.code).toBe(0);
    expect(second.summary).toMatchObject({
      resumedAfterEvents: 3000, lastLine: sorted.at(-1)!.line, produced: orders.length - 3000, totalProduced: orders.length, totalBadRows: 0, complete: true,
      firstOccurredAt: `${sorted[3_000]!.date}T00:00:00.000Z`, lastOccurredAt: `${sorted.at(-1)!.date}T00:00:00.000Z`, lateEvents: 0,
    });

    const third = await importCli(args, stack.kafka.brokers);
    expect(third.summary).toMatchObject({ alreadyComplete: true, produced: 0 });
    expect(third.stderr).toMatch(/already imported completely/);

    await waitForOutcomes(scorer.url, orders.length, 300_000);
    const expected = expectedTotals(orders);
    const profiles = await fetchProfiles<ProfileTotals>(api.url, [...expected.keys()]);
    expect(profileMismatches(profiles, expected).slice(0, 5)).toEqual([]);
  }, 360_000);

  it('imports Online Retail: rows without a customer reported by line, cancellations reduce revenue, profiles equal the file', async () => {
    const badRowsFile = join(tmp, 'retail-bad.jsonl');
    const { code, summary, stderr } = await importCli([
      '--format', 'online-retail', '--file', `${datasets}online_retail_invoices.csv`, '--tenant', 'retail',
      '--checkpoint', join(tmp, 'retail.json'), '--bad-rows', badRowsFile, '--quiet',
    ], stack.kafka.brokers);
    expect(code).toBe(3); // finished, but with bad rows
    expect(summary).toMatchObject({ produced: 22_221, badRows: 3_722, complete: true });
    expect(stderr).toContain(`${datasets}online_retail_invoices.csv:45: invoice 536414: no CustomerID`);
    const bad = readFileSync(badRowsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; reason: string });
    expect(bad).toHaveLength(3_722);
    expect(bad.every((b) => /no CustomerID/.test(b.reason))).toBe(true);

    await waitForOutcomes(scorer.url, readCdnow(cdnowFile).length + 22_221, 300_000);
    const { truth, salesCents, cancelledCents } = retailTruth();
    expect(truth.size).toBe(4_372);
    const profiles = await fetchProfiles<ProfileTotals>(api.url, [...truth.keys()], 'retail');
    expect(profileMismatches(profiles, truth).slice(0, 5)).toEqual([]);

    // Cancellations reduce revenue: for every customer who cancelled, revenue = sales − cancellations < sales.
    expect(cancelledCents.size).toBeGreaterThan(1_000);
    for (const [customer, cents] of cancelledCents) {
      const revenue = Math.round(profiles.get(customer)!.body.lifetime.revenue * 100);
      const sales = salesCents.get(customer) ?? 0;
      expect(revenue, customer).toBe(sales - cents);
      expect(revenue, customer).toBeLessThan(sales);
    }
  }, 360_000);
});

/** The value of every message of a topic, once `count` have arrived, in the topic's (one partition's) order. */
async function readTopic(brokers: string, topic: string, count: number): Promise<{ eventId: string; occurredAt: string }[]> {
  const collected = await collect(brokers, [topic]);
  try {
    await waitFor(`${count} messages on ${topic}`, () => (collected.messages.length >= count ? true : undefined), { timeoutMs: 120_000 });
  } finally {
    await collected.stop();
  }
  return collected.messages.map((m) => JSON.parse(String(m.value)) as { eventId: string; occurredAt: string });
}

describe('import CLI order: CDNOW_master.txt (sorted by customer) sorted on disk', () => {
  // One partition per topic: the topic's order is the order the importer produced in.
  let kafka: MockKafka;
  beforeAll(async () => {
    kafka = await startMockKafka({ topics: ['history.time:1', 'history.file:1'] });
  });
  afterAll(async () => {
    await kafka?.stop();
  });

  it('produces every event in occurredAt order through 1,000-row runs, the same events as file order', async () => {
    const orders = readCdnow('CDNOW_master.txt');
    expect(orders).toHaveLength(69_659);
    const temp = mkdtempSync(join(tmp, 'sort-'));
    const common = ['--format', 'cdnow', '--file', `${datasets}CDNOW_master.txt`, '--quiet'];
    const time = await importCli([...common, '--topic', 'history.time', '--checkpoint', join(tmp, 'master-time.json'), '--sort-buffer', '1000', '--temp-dir', temp], kafka.brokers);
    expect(time.code).toBe(0);
    expect(time.summary).toMatchObject({
      order: 'time', produced: 69_659, complete: true, lateEvents: 0,
      firstOccurredAt: '1997-01-01T00:00:00.000Z', lastOccurredAt: '1998-06-30T00:00:00.000Z',
      sort: { bufferRows: 1000, runs: 69, mergedRuns: 1 }, // 70 runs with the last buffer: over the fan-in of 64
    });
    expect(time.summary.sort!.tempBytes).toBeGreaterThan(0);
    expect(readdirSync(temp)).toEqual([]); // the runs are removed at the end

    const file = await importCli([...common, '--topic', 'history.file', '--checkpoint', join(tmp, 'master-file.json'), '--order', 'file'], kafka.brokers);
    expect(file.code).toBe(0);
    expect(file.summary).toMatchObject({ order: 'file', produced: 69_659, complete: true, sort: null });
    expect(file.summary.lateEvents).toBeGreaterThan(60_000); // what the watermark would have called late

    const inTime = await readTopic(kafka.brokers, 'history.time', 69_659);
    const inFile = await readTopic(kafka.brokers, 'history.file', 69_659);
    const backwards = inTime.findIndex((e, i) => i > 0 && e.occurredAt < inTime[i - 1]!.occurredAt);
    expect(backwards, `event ${backwards} goes back in time`).toBe(-1);
    expect(new Set(inTime.map((e) => e.eventId))).toEqual(new Set(inFile.map((e) => e.eventId)));
    expect(inTime).toHaveLength(69_659);
    // and exactly the documented order: by day, ties by line
    expect(inTime.map((e) => e.eventId)).toEqual(timeOrder(orders).map((o) => `CDNOW_master.txt:${o.line}`));
  }, 300_000);
});
