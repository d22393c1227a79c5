import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCheckpointPath, runImportCli } from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'importer-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runImportCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, isTTY: false });
  const lines = stdout.trim() === '' ? [] : stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, stdout, stderr, summary: lines.at(-1), events: lines.slice(0, -1) };
}

const RETAIL = `InvoiceNo,InvoiceDate,CustomerID,Country,Quantity,UnitPrice
536365,12/1/2010 8:26,17850,United Kingdom,40,3.91
536414,12/1/2010 11:52,(blank),United Kingdom,56,0
C536379,12/1/2010 9:41,17850,United Kingdom,-1,27.5
536366,12/1/2010 8:28,17850,United Kingdom,12
`;

describe('import CLI (in process, --dry-run)', () => {
  it('reports every bad row as file:line: reason, in the bad-rows file too, and exits 3', async () => {
    const path = file('retail.csv', RETAIL);
    const badRows = join(tmp, 'bad.jsonl');
    const { code, stderr, events, summary } = await run(['--format', 'online-retail', '--file', path, '--dry-run', '--bad-rows', badRows]);
    expect(code).toBe(3);
    expect(stderr).toContain(`${path}:3: invoice 536414: no CustomerID`);
    expect(stderr).toMatch(new RegExp(`${path}:5: Invalid Record Length`));
    expect(events.map((e) => [e.eventId, e.type, e.amount])).toEqual([['retail.csv:2', 'order.placed', 156.4], ['retail.csv:4', 'order.cancelled', 27.5]]);
    expect(summary).toMatchObject({ rows: 4, produced: 2, badRows: 2, complete: true });
    const reported = readFileSync(badRows, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(reported.map((r) => r.line)).toEqual([3, 5]);
    expect(reported[0].raw).toBe('536414,12/1/2010 11:52,(blank),United Kingdom,56,0');
  });

  it('exits 0 with --allow-bad-rows, and skips nothing silently', async () => {
    const path = file('sample.txt', ' 00004 0001 19970101  2   29.33\nnot a row at all\n\n 00004 0001 19970118  2   29.73\n');
    const { code, stderr, summary } = await run(['--format', 'cdnow', '--file', path, '--dry-run', '--allow-bad-rows']);
    expect(code).toBe(0);
    expect(stderr).toContain(`${path}:2: date "row" is not YYYYMMDD`);
    expect(summary).toMatchObject({ rows: 3, produced: 2, badRows: 1, lastLine: 4 });
  });

  it('maps generic CSV columns from --map', async () => {
    const path = file('generic.csv', 'when;who;total;kind\n2026-01-02;c1;10.50;placed\n2026-01-03;c1;4;refund\n');
    const { code, events } = await run(['--format', 'csv', '--file', path, '--delimiter', ';', '--map', 'customerId=who,occurredAt=when,amount=total,type=kind', '--tenant', 'shop-9', '--dry-run']);
    expect(code).toBe(0);
    expect(events).toEqual([
      expect.objectContaining({ customerId: 'c1', type: 'order.placed', amount: 10.5, tenantId: 'shop-9', occurredAt: '2026-01-02T00:00:00Z' }),
      expect.objectContaining({ type: 'order.refunded', amount: 4 }),
    ]);
  });

  it('produces in event-time order by default, in file order with --order file, and says which in the summary', async () => {
    const path = file('by-customer.txt', ' 00001 19970105  1   1.00\n 00001 19970301  1   2.00\n 00002 19970101  1   3.00\n');
    const time = await run(['--format', 'cdnow', '--file', path, '--dry-run', '--sort-buffer', '2', '--temp-dir', tmp]);
    expect(time.code).toBe(0);
    expect(time.events.map((e) => e.eventId)).toEqual(['by-customer.txt:3', 'by-customer.txt:1', 'by-customer.txt:2']);
    expect(time.summary).toMatchObject({
      order: 'time', firstOccurredAt: '1997-01-01T00:00:00.000Z', lastOccurredAt: '1997-03-01T00:00:00.000Z', lateEvents: 0,
      sort: { bufferRows: 2, runs: 1, mergedRuns: 0 },
    });
    expect((time.summary?.sort as { tempBytes: number }).tempBytes).toBeGreaterThan(0);
    expect(time.stderr).toMatch(/3 events produced in event-time order \(sorted on disk: 1 runs of up to 2 rows, 0\.0 MB of temp files, [\d.]+ s\), occurredAt 1997-01-01T00:00:00\.000Z … 1997-03-01T00:00:00\.000Z; 0 bad rows; complete/);

    const inFile = await run(['--format', 'cdnow', '--file', path, '--dry-run', '--order', 'file']);
    expect(inFile.events.map((e) => e.eventId)).toEqual(['by-customer.txt:1', 'by-customer.txt:2', 'by-customer.txt:3']);
    expect(inFile.summary).toMatchObject({ order: 'file', sort: null, lateEvents: 1, firstOccurredAt: '1997-01-05T00:00:00.000Z', lastOccurredAt: '1997-01-01T00:00:00.000Z' });
    expect(inFile.stderr).toMatch(/in file order, .*; 1 events older than one produced before them \(late for an event-time watermark: --order time avoids that\)/);
  });

  it('fails (exit 1) on a CSV whose header lacks a mapped column', async () => {
    const path = file('nohead.csv', 'a,b\n1,2\n');
    const { code, stderr } = await run(['--format', 'online-retail', '--file', path, '--dry-run']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/header has no column "InvoiceNo"/);
  });

  it.each([
    [['--file', '/nonexistent', '--format', 'cdnow', '--dry-run'], /--file does not exist/],
    [['--format', 'cdnow', '--dry-run'], /--file is required/],
    [['--file', '/dev/null', '--format', 'excel', '--dry-run'], /--format must be one of cdnow, online-retail, jsonl, csv/],
    [['--file', '/dev/null', '--format', 'csv', '--dry-run'], /needs exactly one of --map or --map-file/],
    [['--file', '/dev/null', '--format', 'csv', '--map', 'customerId=a', '--dry-run'], /--map: occurredAt=<column> is required/],
    [['--file', '/dev/null', '--format', 'cdnow', '--map', 'customerId=a', '--dry-run'], /--map and --map-file are for --format csv/],
    [['--file', '/dev/null', '--format', 'cdnow', '--batch-size', '0', '--dry-run'], /--batch-size must be a whole number > 0/],
    [['--file', '/dev/null', '--format', 'cdnow', '--currency', 'dollars', '--dry-run'], /--currency must be a 3-letter/],
    [['--file', '/dev/null', '--format', 'cdnow', '--idempotent', 'maybe'], /--idempotent must be true or false/],
    [['--file', '/dev/null', '--format', 'cdnow'], /KAFKA_BROKERS \(or --brokers\)/],
    [['--file', '/dev/null', '--format', 'cdnow', '--brokers', 'localhost'], /--brokers: "localhost" is not host:port/],
    [['--file', '/dev/null', '--format', 'cdnow', '--order', 'random', '--dry-run'], /--order must be one of time, file/],
    [['--file', '/dev/null', '--format', 'cdnow', '--sort-buffer', '0', '--dry-run'], /--sort-buffer must be a whole number > 0/],
    [['--file', '/dev/null', '--format', 'cdnow', '--temp-dir', '/nonexistent', '--dry-run'], /--temp-dir is not a directory/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('rejects %j with exit code 2 naming the flag', async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/import --help/);
  });

  it('--help prints the usage', async () => {
    let out = '';
    expect(await runImportCli(['--help'], { stdout: (t) => (out += t), stderr: () => undefined, env: {}, isTTY: false })).toBe(0);
    expect(out).toMatch(/usage: import --format/);
  });

  it('keeps checkpoints out of the (possibly read-only) data folder', () => {
    expect(defaultCheckpointPath('/data/x.csv', '/repo')).toMatch(/^\/repo\/\.import-state\/x\.csv\.[0-9a-f]{10}\.json$/);
  });
});

describe('import CLI (compiled, as a process)', () => {
  const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

  it('runs from dist (the suite runs after `npm run build`)', async () => {
    expect(existsSync(cli), `${cli} is missing: run "npm run build" first`).toBe(true);
    const path = file('one.txt', ' 00001 19970101  1   11.77\n');
    const { stdout } = await promisify(execFile)(process.execPath, [cli, '--format', 'cdnow', '--file', path, '--dry-run']);
    const [event, summary] = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(event).toMatchObject({ eventId: 'one.txt:1', customerId: '00001', amount: 11.77, currency: 'USD' });
    expect(summary).toMatchObject({ produced: 1, complete: true });
  });
});
