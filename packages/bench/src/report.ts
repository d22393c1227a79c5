/**
 * The bench's output, the same for a full run and an `--only` one: the JSON file (figures,
 * verdicts, every phase's details, the machine), the chart of a full run, the verdict lines, the
 * hottest functions under --cpu-prof, and the figures as one JSON line, last on stdout.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { hotSpots, type HotSpot } from './profile.js';
import { machineInfo, type Args } from './shared.js';
import { evaluateTargets, targetOutcomes, TARGETS, verdictLine, type Figures, type FigureSteal, type FloorFigures, type Verdict } from './stats.js';
import type { CpuTimes } from './steal.js';
import { renderChart } from './svg.js';

/** When the run started and the machine then: kept with every result. */
export interface RunStart {
  startedAt: Date;
  load: number[];
  machineAtStart: CpuTimes;
}

export interface Report {
  /** `full`: every phase (and a chart); otherwise the `--only` phase */
  phase: 'full' | NonNullable<Args['only']>;
  figures: Partial<Figures> | FloorFigures;
  /** per figure, its phase's steal: judges whether a rate or latency is comparable */
  steal: FigureSteal;
  /** per phase (a list for the repeated ones), the steal share: kept in the JSON and the last line */
  stealShare: Record<string, number | number[]>;
  parameters: Record<string, unknown>;
  details: Record<string, unknown>;
}

/** Prints each target's verdict: PASS, FAIL or not comparable. */
function printVerdicts(verdicts: Record<string, Verdict>): void {
  for (const t of TARGETS) {
    const v = verdicts[t.figure];
    if (v !== undefined) process.stdout.write(`${verdictLine(t, v)}\n`);
  }
}


/** The newest scorer profile of a --cpu-prof run, with its hottest functions. */
function latestProfile(out: string): { file: string; totalMs: number; functions: HotSpot[]; places: HotSpot[] } | undefined {
  const dir = join(out, 'profiles');
  if (!existsSync(dir)) return undefined; // --only lifetime-fit runs no scorer
  const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().at(-1);
  return file === undefined ? undefined : { file: join(dir, file), ...hotSpots(join(dir, file)) };
}

/** Writes the results of a run and prints them; the JSON line with the figures comes last. */
export function writeReport(report: Report, args: Args, run: RunStart): void {
  const { figures } = report;
  // A phase run alone is judged only on the figures it measured.
  const verdicts = evaluateTargets(figures as Figures, TARGETS.filter((t) => t.figure in figures), report.steal);
  const profile = args['cpu-prof'] ? latestProfile(args.out) : undefined;
  const stamp = run.startedAt.toISOString().replace(/[:.]/g, '-');
  const name = report.phase === 'full' ? `bench-${stamp}` : `bench-${report.phase}-${stamp}`;
  const jsonFile = join(args.out, `${name}.json`);
  writeFileSync(jsonFile, `${JSON.stringify({
    startedAt: run.startedAt.toISOString(),
    machine: machineInfo(run.load, run.machineAtStart),
    parameters: report.phase === 'full' ? report.parameters : { only: report.phase, ...report.parameters },
    figures, stealShare: report.stealShare, targets: verdicts, details: report.details,
    ...(profile ? { profile } : {}),
  }, null, 2)}\n`);
  printVerdicts(verdicts);
  if (profile) {
    process.stdout.write(`scorer CPU profile (${profile.file}, ${profile.totalMs} ms sampled), top self time:\n`);
    for (const h of profile.functions) process.stdout.write(`  ${String(h.percent).padStart(5)}%  ${h.name}\n`);
  }
  process.stdout.write(`results: ${jsonFile}\n`);
  if (report.phase === 'full') {
    const svgFile = join(args.out, `${name}.svg`);
    writeFileSync(svgFile, renderChart(figures as Figures, `bondstream bench ${run.startedAt.toISOString()} (${cpus().length} cores)`));
    process.stdout.write(`chart: ${svgFile}\n`);
  }
  process.stdout.write(`${JSON.stringify({ ...figures, stealShare: report.stealShare, targets: targetOutcomes(verdicts) })}\n`);
}
