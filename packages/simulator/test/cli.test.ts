import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/index.js';
import { contractProblems } from './contract.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const tmp = mkdtempSync(join(tmpdir(), 'simulator-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env,
    now: () => NOW,
  });
  return { code, stdout, stderr };
}

describe('simulate CLI (in process)', () => {
  it('--dry-run prints valid events as JSON lines, deterministically, and writes the labels', async () => {
    const labels = join(tmp, 'labels.jsonl');
    const a = await run(['--dry-run', '--customers', '12', '--seed', '5', '--days', '120', '--tenant', 'shop-1', '--labels', labels]);
    expect(a.code).toBe(0);
    const events = a.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.length).toBeGreaterThan(12);
    for (const e of events) expect(contractProblems(e)).toEqual([]);
    expect(events.every((e) => e.tenantId === 'shop-1' && Date.parse(e.occurredAt) <= NOW)).toBe(true);
    expect(Math.min(...events.map((e) => Date.parse(e.occurredAt)))).toBeGreaterThanOrEqual(NOW - 120 * 86_400_000);
    expect(a.stderr).toMatch(/dry run, \d+ events .* 12 customers \(loyal_high_margin \d+, seasonal_big_spender \d+/);

    const shoppers = readFileSync(labels, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(shoppers).toHaveLength(12);
    expect(shoppers[0]).toEqual({ tenantId: 'shop-1', customerId: 'c-0001', archetype: expect.any(String), expected: expect.any(String) });
    expect(new Set(events.map((e) => e.customerId))).toEqual(new Set(shoppers.map((s) => s.customerId)));

    const b = await run(['--dry-run', '--customers', '12', '--seed', '5', '--days', '120', '--tenant', 'shop-1']);
    expect(b.stdout).toBe(a.stdout);
  });

  it('--end fixes the end of the history and --mix the population', async () => {
    const { code, stdout } = await run(['--dry-run', '--customers', '5', '--end', '2025-06-01T00:00:00Z', '--mix', 'one_time=1']);
    expect(code).toBe(0);
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === 'order.placed')).toHaveLength(5);
    expect(Math.max(...events.map((e) => Date.parse(e.occurredAt)))).toBeLessThanOrEqual(Date.parse('2025-06-01T00:00:00Z'));
  });

  it.each([
    [['--customers', 'many', '--dry-run'], /--customers must be an integer/],
    [['--customers', '0', '--dry-run'], /--customers must be/],
    [['--days=-3', '--dry-run'], /--days must be/],
    [['--days', '0', '--dry-run'], /--days must be/],
    [['--rate', '0', '--brokers', 'localhost:9092'], /--rate must be/],
    [['--seed', '1.5', '--dry-run'], /--seed must be an integer/],
    [['--end', 'yesterday', '--dry-run'], /--end must be an ISO-8601 time/],
    [['--end', '2030-01-01T00:00:00Z', '--dry-run'], /--end must not be in the future/],
    [['--mix', 'whale=1', '--dry-run'], /unknown archetype "whale"/],
    [['--mix', 'one_time=0', '--dry-run'], /more than 0/],
    [['--idempotent', 'maybe', '--brokers', 'localhost:9092'], /--idempotent must be true or false/],
    [['--brokers', 'localhost'], /"localhost" is not host:port/],
    [['--tenant', 'a{b}', '--dry-run'], /--tenant/],
    [['--topic-orders', 'bad topic', '--dry-run'], /not a valid Kafka topic name/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['stray'], /stray/],
    [[], /no Kafka brokers/],
  ])('rejects %j with exit code 2 and a clear message', async (args, message) => {
    const { code, stderr, stdout } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/simulate --help/);
    expect(stdout).toBe('');
  });

  it('takes the brokers and producer settings from the environment', async () => {
    const { code, stderr } = await run(['--customers', '1'], { KAFKA_BROKERS: 'localhost', KAFKA_IDEMPOTENT: 'false' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/"localhost" is not host:port/);
    const bad = await run(['--dry-run'], { KAFKA_IDEMPOTENT: 'perhaps' });
    expect(bad.stderr).toMatch(/KAFKA_IDEMPOTENT must be true or false/);
  });

  it('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/usage: simulate/);
    expect(stdout).toMatch(/--dry-run/);
  });
});

describe('simulate CLI (compiled, as a process)', () => {
  const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

  it('runs from dist with --dry-run (the suite runs after `npm run build`)', async () => {
    expect(existsSync(cli), `${cli} is missing: run "npm run build" first`).toBe(true);
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, '--dry-run', '--customers', '3', '--seed', '9'], {
      env: { ...process.env, KAFKA_BROKERS: '' },
    });
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.length).toBeGreaterThan(3);
    for (const e of events) expect(contractProblems(e)).toEqual([]);
    expect(stderr).toMatch(/3 customers/);
  });

  it('exits 2 on a bad argument', async () => {
    const result = await promisify(execFile)(process.execPath, [cli, '--customers', 'x', '--dry-run']).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--customers must be/);
  });
});
