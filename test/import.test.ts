import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasets, fetchProfiles, root, startService, startStack, waitForOutcomes, type RunningService, type Stack } from './harness.js';
import { expectedTotals, profileMismatches, readCdnow, type ExpectedCustomer, type ProfileTotals } from './cdnow.js';

const cli = `${root}packages/importer/dist/cli.js`;
const tmp = mkdtempSync(join(tmpdir(), 'import-e2e-'));

interface Summary {
  resumedAfterLine: number;
  lastLine: number;
  produced: number;
  badRows: number;
  totalProduced: number;
  totalBadRows: number;
  complete: boolean;
  alreadyComplete: boolean;
}

/** Runs the compiled import CLI as a process; resolves with its exit code, summary and stderr. */
async function importCli(args: string[], brokers: string): Promise<{ code: number; summary: Summary; stderr: string }> {
  const result = await promisify(execFile)(process.execPath, [cli, '--brokers', brokers, '--idempotent', 'false', ...args], { maxBuffer: 64 << 20 })
    .then((r) => ({ code: 0, ...r }), (error: { code: number; stdout: string; stderr: string }) => error);
  return { code: result.code, summary: JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as Summary, stderr: result.stderr };
}

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
    rmSync(tmp, { recursive: true, force: true });
  });

  // The sample keeps `npm test` fast; IMPORT_CDNOW=master runs the same test on CDNOW_master.txt.
  const cdnowFile = process.env.IMPORT_CDNOW === 'master' ? 'CDNOW_master.txt' : 'CDNOW_sample.txt';

  it(`imports ${cdnowFile} in an interrupted and a resumed run, with profiles equal to the file`, async () => {
    const orders = readCdnow(cdnowFile);
    const args = ['--format', 'cdnow', '--file', `${datasets}${cdnowFile}`, '--checkpoint', join(tmp, 'cdnow.json'), '--batch-size', '500'];
    const first = await importCli([...args, '--limit', '3000'], stack.kafka.brokers);
    expect(first.code).toBe(0);
    const cut = orders[2_999]!.line;
    expect(first.summary).toMatchObject({ resumedAfterLine: 0, lastLine: cut, produced: 3000, complete: false });

    const second = await importCli(args, stack.kafka.brokers);
    expect(second.code).toBe(0);
    expect(second.summary).toMatchObject({
      resumedAfterLine: cut, lastLine: orders.at(-1)!.line, produced: orders.length - 3000, totalProduced: orders.length, totalBadRows: 0, complete: true,
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
