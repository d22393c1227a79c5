import type { Message, Producer } from 'kafkajs';
import type { ColumnMapping, Format } from './formats.js';
import { fresh, loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint.js';
import { readRows, type Row } from './source.js';

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
  /** ignore an existing checkpoint and start at line 1 */
  restart: boolean;
  batchSize: number;
  /** batches sent before waiting for the oldest acknowledgement */
  maxInFlight: number;
  /** stop after this many rows (good or bad) in this run; the checkpoint lets the next run go on */
  limit?: number;
  signal?: AbortSignal;
}

export interface ImportProgress {
  rows: number;
  produced: number;
  badRows: number;
  bytes: number;
  totalBytes: number;
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
  /** 0 for a fresh import, else the checkpoint's line this run continued after */
  resumedAfterLine: number;
  /** last line covered by the checkpoint now */
  lastLine: number;
  /** in this run */
  rows: number;
  produced: number;
  badRows: number;
  /** over every run of this import (from the checkpoint) */
  totalProduced: number;
  totalBadRows: number;
  complete: boolean;
  interrupted: boolean;
  alreadyComplete: boolean;
  seconds: number;
  rowsPerSecond: number;
}

/** Only what importing needs of a kafkajs producer. */
export type OrderProducer = Pick<Producer, 'send'>;

interface InFlight {
  lastLine: number;
  produced: number;
  badRows: number;
  ack: Promise<unknown>;
}

/**
 * Reads a file row by row and produces its order events keyed by customerId, in batches with
 * acks=all. The checkpoint moves forward only over batches Kafka acknowledged, in file order;
 * a crash loses at most the batches in flight, which the next run sends again: the scorer
 * deduplicates them by their deterministic event ids. Bad rows go to `hooks.onBadRow`, always.
 */
export async function importFile(producer: OrderProducer, options: ImportOptions, hooks: ImportHooks): Promise<ImportSummary> {
  const started = performance.now();
  const identity = { file: options.file, format: options.format, source: options.source, tenantId: options.tenantId };
  const loaded = options.checkpointPath === null || options.restart ? null : loadCheckpoint(options.checkpointPath, identity);
  const checkpoint: Checkpoint = loaded ?? fresh(identity);
  const resumedAfterLine = checkpoint.line;
  const before = { produced: checkpoint.produced, badRows: checkpoint.badRows };
  const summary = (rows: number, interrupted: boolean, alreadyComplete = false): ImportSummary => {
    const seconds = (performance.now() - started) / 1000;
    return {
      file: options.file, format: options.format, topic: options.topic, resumedAfterLine, lastLine: checkpoint.line,
      rows, produced: checkpoint.produced - before.produced, badRows: checkpoint.badRows - before.badRows,
      totalProduced: checkpoint.produced, totalBadRows: checkpoint.badRows, complete: checkpoint.complete,
      interrupted, alreadyComplete, seconds: Math.round(seconds * 1000) / 1000, rowsPerSecond: Math.round(rows / Math.max(seconds, 0.001)),
    };
  };
  if (loaded?.complete) return summary(0, false, true);

  const save = (): void => {
    if (options.checkpointPath !== null) saveCheckpoint(options.checkpointPath, checkpoint);
  };
  const inFlight: InFlight[] = [];
  const settleOldest = async (): Promise<void> => {
    const oldest = inFlight[0] as InFlight;
    await oldest.ack;
    inFlight.shift();
    Object.assign(checkpoint, { line: oldest.lastLine, produced: checkpoint.produced + oldest.produced, badRows: checkpoint.badRows + oldest.badRows });
    save();
  };

  let rows = 0;
  let bytes = 0;
  let lastLine = checkpoint.line;
  let messages: Message[] = [];
  let badInBatch = 0;
  const cut = (): void => {
    if (messages.length === 0 && badInBatch === 0) return;
    const batch = messages;
    const ack = batch.length === 0 ? Promise.resolve() : producer.send({ topic: options.topic, acks: -1, messages: batch });
    ack.catch(() => undefined); // awaited in order below; this only keeps it from being unhandled meanwhile
    inFlight.push({ lastLine, produced: batch.length, badRows: badInBatch, ack });
    messages = [];
    badInBatch = 0;
  };
  const progress = (): void => hooks.onProgress?.({
    rows, produced: checkpoint.produced, badRows: checkpoint.badRows, bytes, totalBytes: checkpoint.size, elapsedMs: performance.now() - started,
  });

  let interrupted = false;
  try {
    for await (const row of readRows({ ...options, context: { source: options.source, tenantId: options.tenantId, currency: options.currency }, afterLine: checkpoint.line })) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      rows += 1;
      bytes = row.bytes;
      lastLine = row.line;
      if (row.outcome.ok) messages.push({ key: row.outcome.event.customerId, value: JSON.stringify(row.outcome.event) });
      else {
        badInBatch += 1;
        hooks.onBadRow(row);
      }
      if (messages.length >= options.batchSize || badInBatch >= options.batchSize) {
        cut();
        while (inFlight.length >= options.maxInFlight) await settleOldest();
        progress();
      }
      if (options.limit !== undefined && rows >= options.limit) break;
    }
    const reachedEnd = !interrupted && (options.limit === undefined || rows < options.limit);
    cut();
    while (inFlight.length > 0) await settleOldest();
    if (reachedEnd) {
      checkpoint.complete = true;
      save();
    }
  } catch (error) {
    // Keep what was acknowledged: settle the batches in order up to the first failure.
    try {
      while (inFlight.length > 0) await settleOldest();
    } catch {
      // the first failed batch and everything after it are sent again by the next run
    }
    throw error;
  }
  progress();
  return summary(rows, interrupted);
}
