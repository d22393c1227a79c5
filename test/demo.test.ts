import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { track } from '@bondstream/testkit';
import { root } from './harness.js';

/** `npm run demo` after its setup and build steps: it must show segment changes, then stop cleanly. */
describe('the demo', () => {
  it('prints segment changes and actions as they happen and exits 0 when --for is over', async () => {
    const child = track(spawn(process.execPath, [`${root}scripts/demo.mjs`, '--for', '30'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, out.slice(-3_000)).toBe(0);
    const changeLines = out.split('\n').filter((line) => /demo\/c-\d+\s+(relationship|pyramid|rfm)\s+.*→/.test(line));
    expect(changeLines.length).toBeGreaterThan(10);
    // The actions service runs too: transitions become actions as they happen.
    const actionLines = out.split('\n').filter((line) => /→ action [a-z_]+ for demo\/c-\d+ via [a-z_]+/.test(line));
    expect(actionLines.length, out.slice(-3_000)).toBeGreaterThan(0);
    expect(out).toContain('demo: stopped');
    // where to watch it: the console, served by the demo's api
    expect(out).toMatch(/^Console: http:\/\/127\.0\.0\.1:\d+\/console\//m);
  }, 180_000);
});
