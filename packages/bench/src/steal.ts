import { readFileSync } from 'node:fs';

/** The machine's CPU time so far (all cores, in clock ticks), and how much of it was stolen. */
export interface CpuTimes {
  steal: number;
  total: number;
}

/**
 * From the first line of /proc/stat (Linux): `cpu user nice system idle iowait irq softirq
 * steal …`. Steal is time a virtual core was ready to run but the hypervisor ran another guest:
 * on a shared host the same work then takes longer, whatever the code does.
 */
export function cpuTimes(stat = readFileSync('/proc/stat', 'utf8')): CpuTimes {
  const fields = (stat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) throw new Error('unexpected /proc/stat: no cpu line');
  return { steal: fields[7] as number, total: fields.reduce((a, b) => a + b, 0) };
}

/** The share of the machine's CPU time between two readings that the hypervisor gave to others. */
export function stealShare(from: CpuTimes, to: CpuTimes): number {
  const total = to.total - from.total;
  return total > 0 ? (to.steal - from.steal) / total : 0;
}
