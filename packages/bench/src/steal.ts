import { readFileSync } from 'node:fs';

/** The machine's CPU time so far (all cores, in clock ticks), how much of it was stolen and how much idle. */
export interface CpuTimes {
  steal: number;
  /** idle and iowait: time no process of this machine wanted a core */
  idle: number;
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
  return { steal: fields[7] as number, idle: (fields[3] as number) + (fields[4] as number), total: fields.reduce((a, b) => a + b, 0) };
}

/** The share of the machine's CPU time between two readings that the hypervisor gave to others. */
export function stealShare(from: CpuTimes, to: CpuTimes): number {
  const total = to.total - from.total;
  return total > 0 ? (to.steal - from.steal) / total : 0;
}

/**
 * The share of the machine's CPU time between two readings that its processes used (neither
 * idle nor stolen): with the CPU time of the processes a phase measures, what is left is the
 * rest of the machine (other tenants' jobs on the same cores slow a rate as steal does).
 */
export function busyShare(from: CpuTimes, to: CpuTimes): number {
  const total = to.total - from.total;
  return total > 0 ? (total - (to.idle - from.idle) - (to.steal - from.steal)) / total : 0;
}
