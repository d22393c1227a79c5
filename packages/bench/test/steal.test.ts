import { describe, expect, it } from 'vitest';
import { busyShare, cpuTimes, stealShare } from '../src/steal.js';

describe('steal time from /proc/stat', () => {
  it('reads the cpu line and gives the stolen share between two readings', () => {
    const before = cpuTimes('cpu  100 0 50 800 10 0 5 35 0 0\ncpu0 50 0 25 400 5 0 2 18 0 0\n');
    const after = cpuTimes('cpu  160 0 70 860 10 0 5 95 0 0\ncpu0 80 0 35 430 5 0 2 48 0 0\n');
    expect(before).toEqual({ steal: 35, idle: 810, total: 1000 });
    expect(stealShare(before, after)).toBeCloseTo(60 / 200, 10);
    expect(stealShare(after, after)).toBe(0);
    // 200 ticks: 60 stolen, 60 idle, 80 user and system
    expect(busyShare(before, after)).toBeCloseTo(80 / 200, 10);
    expect(busyShare(after, after)).toBe(0);
  });

  it('refuses a file without a cpu line instead of reporting no steal', () => {
    expect(() => cpuTimes('intr 12 3\n')).toThrow(/no cpu line/);
  });

  it('reads this machine\'s own counters', () => {
    const now = cpuTimes();
    expect(now.total).toBeGreaterThan(0);
    expect(now.steal).toBeGreaterThanOrEqual(0);
  });
});
