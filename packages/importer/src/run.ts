import type { ColumnMapping, Format } from './formats.js';
import { fresh, loadCheckpoint, saveCheckpoint, type Checkpoint, type ImportOrder } from './checkpoint.js';
import type { OrderProducer } from './batches.js';
import type { Row } from './source.js';
import type { SortStats } from './sort.js';
import { importInFileOrder } from './run-file.js';
import { importInTimeOrder } from './run-time.js';
import { EventTimes, type RunContext, type RunResult } from './run-context.js';

export type { OrderProducer } from './batches.js';

export { DEFAULT_SORT_BUFFER_ROWS } from './sort.js';

export interface ImportOptions {
  file: string;
  format: Format;
  mapping?: ColumnMapping;
  delimiter?: string;
  /** event id prefix: `<source>:<line>` */
  source: string;
  tenantId: string;
  currency: string | undefined;
  topic: string;
  /** null: no checkpoint (dry runs) */
  checkpointPath: string | null;
  /** ignore an existing checkpoint and start at the beginning */
  restart: boolean;
  batchSize: number;
  /** batches sent before waiting for the oldest acknowledgement */
  maxInFlight: number;
  /**
   * `time` (default): events by occurredAt, ties by line, through an external sort, so the
   * scorer's event-time watermark sees history in order. `file`: as the file lists them.
   */
  order?: ImportOrder;
  /** time order: rows in memory at most (default DEFAULT_SORT_BUFFER_ROWS); more go to sorted temp files */
  sortBufferRows?: number;
  /** time order: where the sorted runs go (default os.tmpdir()); removed at the end */
  tempDir?: string;
  /**
   * Stop early in this run; the checkpoint lets the next run go on. File order: after this many
   * rows (good or bad). Time order: after this many events (the whole file is read and sorted
   * every run, and every bad row reported in the first).
   */
  limit?: number;
  signal?: AbortSignal;
}

export interface ImportProgress {
  /** `read`: reading the file (in file order also producing); `produce`: time order, producing sorted events */
  phase: 'read' | 'produce';
  rows: number;
  /** events acknowledged in total (time order: the position in the sorted order) */
  produced: number;
  badRows: number;
  bytes: number;
  totalBytes: number;
  /** time order, once the file is read: its number of events */
  events: number | null;
  elapsedMs: number;
}

export interface ImportHooks {
  onBadRow(row: Row): void;
  onProgress?(progress: ImportProgress): void;
}

export interface ImportSummary {
  file: string;
  format: Format;
  topic: string;
  order: ImportOrder;
  /** file order: 0 for a fresh import, else the checkpoint's line this run continued after; time order: null */
  resumedAfterLine: number | null;
  /** events acknowledged by earlier runs; in time order, the position in the sorted order this run continued after */
  resumedAfterEvents: number;
  /** file order: last line covered by the checkpoint now; time order: the line of the last event acknowledged */
  lastLine: number;
  /** in this run (time order: every row of the file is read each run) */
  rows: number;
  produced: number;
  badRows: number;
  /** over every run of this import (from the checkpoint) */
  totalProduced: number;
  totalBadRows: number;
  complete: boolean;
  interrupted: boolean;
  alreadyComplete: boolean;
  /** occurredAt (UTC) of the first and the last event produced in this run, in the order produced */
  firstOccurredAt: string | null;
  lastOccurredAt: string | null;
  /** events produced in this run with an occurredAt before that of one produced earlier: 0 in time order */
  lateEvents: number;
  /** time order: the external sort; null in file order */
  sort: (SortStats & { bufferRows: number; /** reading and sorting, until the first event could be sent */ seconds: number }) | null;
  seconds: number;
  rowsPerSecond: number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * Reads a file and produces its order events keyed by customerId, in batches with acks=all, in
 * event-time order (default) or file order. The checkpoint moves forward only over batches Kafka
 * acknowledged, in the order produced; a crash loses at most the batches in flight, which the
 * next run sends again: the scorer deduplicates them by their deterministic event ids. Bad rows
 * go to `hooks.onBadRow` (in time order, once per import: a resumed run does not repeat them).
 */
export async function importFile(producer: OrderProducer, options: ImportOptions, hooks: ImportHooks): Promise<ImportSummary> {
  const started = performance.now();
  const order = options.order ?? 'time';
  const identity = { file: options.file, format: options.format, source: options.source, tenantId: options.tenantId, order };
  const loaded = options.checkpointPath === null || options.restart ? null : loadCheckpoint(options.checkpointPath, identity);
  const checkpoint: Checkpoint = loaded ?? fresh(identity);
  const resumedAfterLine = order === 'file' ? checkpoint.line : null;
  const before = { produced: checkpoint.produced, badRows: checkpoint.badRows };
  const summary = (result: RunResult, alreadyComplete = false): ImportSummary => {
    const seconds = (performance.now() - started) / 1000;
    return {
      file: options.file, format: options.format, topic: options.topic, order, resumedAfterLine, resumedAfterEvents: before.produced,
      lastLine: checkpoint.line, rows: result.rows, produced: checkpoint.produced - before.produced, badRows: checkpoint.badRows - before.badRows,
      totalProduced: checkpoint.produced, totalBadRows: checkpoint.badRows, complete: checkpoint.complete,
      interrupted: result.interrupted, alreadyComplete,
      firstOccurredAt: iso(result.times.first), lastOccurredAt: iso(result.times.last), lateEvents: result.times.late, sort: result.sort,
      seconds: Math.round(seconds * 1000) / 1000, rowsPerSecond: Math.round(result.rows / Math.max(seconds, 0.001)),
    };
  };
  if (loaded?.complete) return summary({ rows: 0, interrupted: false, times: new EventTimes(), sort: null }, true);

  const context: RunContext = {
    producer, options, hooks, checkpoint,
    save: () => {
      if (options.checkpointPath !== null) saveCheckpoint(options.checkpointPath, checkpoint);
    },
    progress: (phase, rows, bytes) => hooks.onProgress?.({
      phase, rows, produced: checkpoint.produced, badRows: checkpoint.badRows, bytes, totalBytes: checkpoint.size,
      events: checkpoint.events, elapsedMs: performance.now() - started,
    }),
  };
  return summary(order === 'time' ? await importInTimeOrder(context) : await importInFileOrder(context));
}
