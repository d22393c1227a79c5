import { Batches } from './batches.js';
import { EventTimes, type RunContext, type RunResult } from './run-context.js';
import { DEFAULT_SORT_BUFFER_ROWS, ExternalSorter } from './sort.js';
import { readRows, SourceError } from './source.js';

/**
 * Time order: the whole file is read first (bad rows reported as found), its events sorted by
 * (occurredAt, line) with at most `sortBufferRows` in memory, then produced in that order.
 *
 * The checkpoint is a position in that order: `produced` events were acknowledged. The order is
 * a function of the file alone (line breaks ties), so a resumed run sorts the same file the
 * same way and skips exactly that many; it checks the file's totals and the line at the
 * position first, and refuses a file that changed instead of skipping the wrong events.
 */
export async function importInTimeOrder({ producer, options, hooks, checkpoint, save, progress }: RunContext): Promise<RunResult> {
  const started = performance.now();
  const bufferRows = options.sortBufferRows ?? DEFAULT_SORT_BUFFER_ROWS;
  const sorter = new ExternalSorter({ bufferRows, ...(options.tempDir !== undefined ? { tempDir: options.tempDir } : {}) });
  const times = new EventTimes();
  // An earlier run read the whole file and reported its bad rows: reporting them again would
  // write each one twice to --bad-rows.
  const reported = checkpoint.events !== null;
  let rows = 0;
  let bytes = 0;
  let events = 0;
  let bad = 0;
  const result = (interrupted: boolean, sortSeconds: number | null): RunResult => ({
    rows, interrupted, times, sort: { bufferRows, ...sorter.stats, seconds: Math.round((sortSeconds ?? (performance.now() - started) / 1000) * 1000) / 1000 },
  });

  const batches = new Batches<{ position: number; line: number }>(producer, options.topic, options.maxInFlight, (mark) => {
    Object.assign(checkpoint, { produced: mark.position, line: mark.line });
    save();
  });
  try {
    for await (const row of readRows({ ...options, context: { source: options.source, tenantId: options.tenantId, currency: options.currency }, afterLine: 0 })) {
      if (options.signal?.aborted) return result(true, null);
      rows += 1;
      bytes = row.bytes;
      if (row.outcome.ok) {
        const event = row.outcome.event;
        events += 1;
        await sorter.add({ ms: Date.parse(event.occurredAt), line: row.line, key: event.customerId, value: JSON.stringify(event) });
      } else {
        bad += 1;
        if (!reported) hooks.onBadRow(row);
      }
      if (rows % options.batchSize === 0) progress('read', rows, bytes);
    }
    if (reported && (checkpoint.events !== events || checkpoint.badRows !== bad)) {
      throw new SourceError(`${options.file} changed since checkpoint ${options.checkpointPath} (${checkpoint.events} events and ${checkpoint.badRows} bad rows then, ${events} and ${bad} now); pass --restart`);
    }
    Object.assign(checkpoint, { events, badRows: bad });
    save(); // the bad rows are reported: a run after this one does not repeat them
    progress('read', rows, bytes);

    const skip = checkpoint.produced;
    let position = 0;
    let last = { position: skip, line: checkpoint.line };
    let sent = 0;
    let sortSeconds: number | null = null;
    let stoppedEarly = false;
    let interrupted = false;
    for await (const record of sorter.sorted(options.signal)) {
      sortSeconds ??= (performance.now() - started) / 1000;
      interrupted = options.signal?.aborted === true;
      if (interrupted || (options.limit !== undefined && sent >= options.limit)) {
        stoppedEarly = true;
        break;
      }
      position += 1;
      if (position <= skip) {
        if (position === skip && record.line !== checkpoint.line) {
          throw new SourceError(`${options.file} changed since checkpoint ${options.checkpointPath} (event ${skip} in time order is line ${record.line}, was ${checkpoint.line}); pass --restart`);
        }
        continue;
      }
      batches.push({ key: record.key, value: record.value });
      times.see(record.ms);
      sent += 1;
      last = { position, line: record.line };
      if (batches.pending >= options.batchSize) {
        await batches.cut(last);
        progress('produce', rows, bytes);
      }
    }
    if (batches.pending > 0) await batches.cut(last);
    await batches.drain();
    // the sorter ends early on an abort (between intermediate merges): complete only if all came
    if (!stoppedEarly && position < events) interrupted = true;
    else if (!stoppedEarly) {
      checkpoint.complete = true;
      save();
    }
    progress('produce', rows, bytes);
    return result(interrupted, sortSeconds);
  } catch (error) {
    await batches.drainAfterFailure();
    throw error;
  } finally {
    await sorter.dispose();
  }
}
