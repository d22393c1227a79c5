import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  selfMs: number;
  percent: number;
}

function where(url: string): string {
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules) return modules[1] as string;
  const repo = /\/((?:packages|services)\/[^/]+)\/(?:dist|src)\/(.+)$/.exec(url);
  if (repo) return `${repo[1]}/${repo[2]}`;
  return url === '' ? '(native)' : url.replace(/^.*\//, '');
}

/** Self time per function (and per package/file) of a V8 .cpuprofile, largest first. */
export function hotSpots(file: string, top = 15): { functions: HotSpot[]; places: HotSpot[]; totalMs: number } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let totalUs = 0;
  const fn = new Map<string, number>();
  const place = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const at = where(url);
    const name = `${functionName || '(anonymous)'} ${at}${url ? `:${lineNumber + 1}` : ''}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    const group = functionName === '(idle)' || functionName === '(garbage collector)' || functionName === '(program)' ? functionName : at;
    place.set(group, (place.get(group) ?? 0) + us);
  }
  const rank = (m: Map<string, number>): HotSpot[] => [...m]
    .sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), percent: Math.round((us / totalUs) * 1000) / 10 }));
  return { functions: rank(fn), places: rank(place), totalMs: Math.round(totalUs / 1000) };
}
