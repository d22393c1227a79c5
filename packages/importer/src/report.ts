import { SingleBar } from 'cli-progress';
import type { ImportProgress, ImportSummary } from './run.js';

const rate = (p: ImportProgress): number => Math.round(p.rows / Math.max(p.elapsedMs / 1000, 0.001));

/** Where a phase stands: bytes read, or (time order, producing) events of the sorted order acknowledged. */
const position = (p: ImportProgress): { done: number; total: number } =>
  (p.phase === 'produce' ? { done: p.produced, total: p.events ?? 0 } : { done: p.bytes, total: p.totalBytes });

/**
 * Progress to stderr: a bar with rate and ETA on a terminal, else a plain line every 5 s. In time
 * order the bar runs twice: over the bytes read and sorted, then over the events produced.
 */
export function progressReporter(stderr: (text: string) => void, isTTY: boolean, quiet: boolean): { update(p: ImportProgress): void; stop(): void } {
  if (quiet) return { update: () => undefined, stop: () => undefined };
  if (isTTY) {
    const bar = new SingleBar({
      format: 'import {phase} [{bar}] {percentage}% | {rows} rows, {produced} events, {bad} bad | {rate} rows/s | ETA {eta_formatted}',
      stream: process.stderr, hideCursor: true, etaBuffer: 50,
    });
    let phase: ImportProgress['phase'] | null = null;
    return {
      update(p) {
        const { done, total } = position(p);
        const payload = { phase: p.phase, rows: p.rows, produced: p.produced, bad: p.badRows, rate: rate(p) };
        if (phase === null) bar.start(total, 0, payload);
        else if (phase !== p.phase) {
          bar.setTotal(total);
          bar.update(0, payload);
        }
        phase = p.phase;
        bar.update(done, payload);
      },
      stop: () => phase !== null && bar.stop(),
    };
  }
  let last = 0;
  return {
    update(p) {
      if (p.elapsedMs - last < 5_000) return;
      last = p.elapsedMs;
      const { done, total } = position(p);
      const fraction = total > 0 ? done / total : 1;
      const what = p.phase === 'produce' ? `producing sorted events: ${(fraction * 100).toFixed(1)}%` : `${(fraction * 100).toFixed(1)}%`;
      stderr(`import: ${what} ${p.rows} rows, ${p.produced} events, ${p.badRows} bad, ${rate(p)} rows/s\n`);
    },
    stop: () => undefined,
  };
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** The summary in words, for stderr (stdout's last line stays the JSON summary). */
export function summaryLine(s: ImportSummary): string {
  const how = s.sort === null
    ? 'in file order'
    : `in event-time order (${s.sort.runs === 0 ? 'sorted in memory' : `sorted on disk: ${s.sort.runs} runs of up to ${s.sort.bufferRows} rows${s.sort.mergedRuns > 0 ? `, ${s.sort.mergedRuns} merged runs` : ''}, ${mb(s.sort.tempBytes)} of temp files`}, ${s.sort.seconds} s)`;
  const range = s.firstOccurredAt === null ? 'no events' : `occurredAt ${s.firstOccurredAt} … ${s.lastOccurredAt}`;
  const late = s.lateEvents > 0 ? `; ${s.lateEvents} events older than one produced before them (late for an event-time watermark: --order time avoids that)` : '';
  const state = s.complete ? 'complete' : s.interrupted ? 'interrupted (run again to resume)' : 'not complete (run again to continue)';
  return `import: ${s.produced} events produced ${how}, ${range}${late}; ${s.badRows} bad rows; ${state}`;
}
