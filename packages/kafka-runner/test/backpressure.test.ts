import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { waitFor } from '@bondstream/testkit';
import { OutboxBackPressure } from '../src/index.js';

describe('outbox back-pressure', () => {
  it('pauses above the high mark, stays paused until below the low mark, then resumes', async () => {
    let backlog = 0;
    let checks = 0;
    const decisions: boolean[] = [];
    const reported: number[] = [];
    const control = new OutboxBackPressure(async () => (checks++, backlog), (paused) => decisions.push(paused), (n) => reported.push(n), pino({ level: 'silent' }),
      { high: 100, low: 20, checkEveryMs: 5 });
    control.start();
    try {
      backlog = 150;
      await waitFor('a pause', () => (decisions.length === 1 ? true : undefined));
      backlog = 50; // between the marks: no flapping
      const seen = checks;
      await waitFor('three checks between the marks', () => (checks >= seen + 3 ? true : undefined));
      expect(decisions).toEqual([true]);
      backlog = 10;
      await waitFor('a resume', () => (decisions.length === 2 ? true : undefined));
      expect(decisions).toEqual([true, false]);
      expect(reported).toContain(150);
      expect(reported.at(-1)).toBe(10);
    } finally {
      control.stop();
    }
  });
});
