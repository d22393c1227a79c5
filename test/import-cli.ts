import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { root } from './harness.js';

const cli = `${root}packages/importer/dist/cli.js`;

export interface Summary {
  order: 'time' | 'file';
  resumedAfterLine: number | null;
  resumedAfterEvents: number;
  lastLine: number;
  produced: number;
  badRows: number;
  totalProduced: number;
  totalBadRows: number;
  complete: boolean;
  alreadyComplete: boolean;
  firstOccurredAt: string | null;
  lastOccurredAt: string | null;
  lateEvents: number;
  sort: { bufferRows: number; runs: number; mergedRuns: number; tempBytes: number; seconds: number } | null;
}

/** Runs the compiled import CLI as a process; resolves with its exit code, summary and stderr. */
export async function importCli(args: string[], brokers: string): Promise<{ code: number; summary: Summary; stderr: string }> {
  const result = await promisify(execFile)(process.execPath, [cli, '--brokers', brokers, '--idempotent', 'false', ...args], { maxBuffer: 64 << 20 })
    .then((r) => ({ code: 0, ...r }), (error: { code: number; stdout: string; stderr: string }) => error);
  return { code: result.code, summary: JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as Summary, stderr: result.stderr };
}
