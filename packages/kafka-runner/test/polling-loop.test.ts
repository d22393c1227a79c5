import { describe, expect, it } from 'vitest';
import { waitFor } from '@bondstream/testkit';
import { PollingLoop } from '../src/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PollingLoop linger', () => {
  it('starts a busy step at most once per lingerMs, counting the time the previous step took', async () => {
    const starts: number[] = [];
    let stepMs = 60;
    const loop = new PollingLoop(async () => {
      starts.push(performance.now());
      await sleep(stepMs);
      return 1; // always found work
    }, (error) => {
      throw error;
    }, 1_000, 100);
    loop.start();
    try {
      await waitFor('three busy steps', () => (starts.length >= 3 ? true : undefined), { intervalMs: 5 });
      // 60 ms steps with a 100 ms linger: one step every ~100 ms, not every 160 ms.
      const gap = (starts[2] as number) - (starts[1] as number);
      expect(gap).toBeGreaterThanOrEqual(95); // timers may fire a little early by this clock
      expect(gap).toBeLessThan(150);
      // Steps longer than the linger follow each other at once.
      stepMs = 150;
      const seen = starts.length;
      await waitFor('two long steps', () => (starts.length >= seen + 3 ? true : undefined), { intervalMs: 5, timeoutMs: 5_000 });
      const longGap = (starts[seen + 2] as number) - (starts[seen + 1] as number);
      expect(longGap).toBeGreaterThanOrEqual(145);
      expect(longGap).toBeLessThan(240); // not 150 + 100
    } finally {
      await loop.stop();
    }
  });

  it('runs the step at once when woken after an idle wait', async () => {
    const starts: number[] = [];
    let work = 0;
    const loop = new PollingLoop(async () => {
      starts.push(performance.now());
      return work > 0 ? work-- : 0;
    }, (error) => {
      throw error;
    }, 10_000, 100);
    loop.start();
    try {
      await waitFor('the first (idle) step', () => (starts.length === 1 ? true : undefined), { intervalMs: 5 });
      await sleep(20);
      work = 1;
      const wokenAt = performance.now();
      loop.wake();
      await waitFor('the woken step', () => (starts.length === 2 ? true : undefined), { intervalMs: 1 });
      expect((starts[1] as number) - wokenAt).toBeLessThan(15);
    } finally {
      await loop.stop();
    }
  });
});
