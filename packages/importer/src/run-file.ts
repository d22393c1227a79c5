import { Batches } from './batches.js';
import { EventTimes, type RunContext, type RunResult } from './run-context.js';
import { readRows } from './source.js';

/**
 * File order: rows are produced as they are read. The checkpoint is a line: every row on or
 * before it was acknowledged or reported bad, so a resumed run starts reading after it.
 */
export async function importInFileOrder({ producer, options, hooks, checkpoint, save, progress }: RunContext): Promise<RunResult> {
  const batches = new Batches<{ line: number; badRows: number }>(producer, options.topic, options.maxInFlight, (mark, produced) => {
    Object.assign(checkpoint, { line: mark.line, produced: checkpoint.produced + produced, badRows: checkpoint.badRows + mark.badRows });
    save();
  });
  const times = new EventTimes();
  let rows = 0;
  let bytes = 0;
  let lastLine = checkpoint.line;
  let badInBatch = 0;
  const cut = async (): Promise<void> => {
    if (batches.pending === 0 && badInBatch === 0) return;
    const mark = { line: lastLine, badRows: badInBatch };
    badInBatch = 0;
    await batches.cut(mark);
  };

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
      if (row.outcome.ok) {
        batches.push({ key: row.outcome.event.customerId, value: JSON.stringify(row.outcome.event) });
        times.see(Date.parse(row.outcome.event.occurredAt));
      } else {
        badInBatch += 1;
        hooks.onBadRow(row);
      }
      if (batches.pending >= options.batchSize || badInBatch >= options.batchSize) {
        await cut();
        progress('read', rows, bytes);
      }
      if (options.limit !== undefined && rows >= options.limit) break;
    }
    const reachedEnd = !interrupted && (options.limit === undefined || rows < options.limit);
    await cut();
    await batches.drain();
    if (reachedEnd) {
      checkpoint.complete = true;
      save();
    }
  } catch (error) {
    await batches.drainAfterFailure();
    throw error;
  }
  progress('read', rows, bytes);
  return { rows, interrupted, times, sort: null };
}
