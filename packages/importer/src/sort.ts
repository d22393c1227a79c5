import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { mergeSorted, type Compare } from './merge.js';

/** One good row on its way to Kafka: the message as it will be sent, and what orders it. */
export interface SortRecord {
  /** occurredAt in epoch milliseconds */
  ms: number;
  /** the file line: unique per row, so (ms, line) is a total order and every run sorts the same */
  line: number;
  /** the Kafka key (customerId) and value (the event as JSON) */
  key: string;
  value: string;
}

/** Rows the time order keeps in memory before writing a sorted run to disk (CDNOW rows: about 430 bytes of heap each, 90 MB). */
export const DEFAULT_SORT_BUFFER_ROWS = 200_000;

export const byTimeThenLine: Compare<SortRecord> = (a, b) => a.ms - b.ms || a.line - b.line;

export interface SortOptions {
  /** rows held in memory before a sorted run is written to disk */
  bufferRows: number;
  /** parent of the temp directory (default os.tmpdir()) */
  tempDir?: string;
  /**
   * Runs merged at once. More runs than this are first merged in groups into longer runs, so
   * the read-ahead of the open runs (64 KiB each) stays bounded however large the file is.
   */
  fanIn?: number;
}

export interface SortStats {
  /** sorted runs written by the buffer (0: the file fit in memory, no temp files) */
  runs: number;
  /** runs written by intermediate merges (only with more runs than the fan-in) */
  mergedRuns: number;
  /** bytes written to temp files, intermediate merges included */
  tempBytes: number;
}

/**
 * Run files are one record a line: `ms \t line \t key as JSON \t value`. JSON.stringify escapes
 * tabs and newlines, so neither the key nor the value (already JSON) can contain the separators,
 * and the value is stored as sent: merging never parses an event.
 */
const encode = (r: SortRecord): string => `${r.ms}\t${r.line}\t${JSON.stringify(r.key)}\t${r.value}\n`;

function decode(text: string): SortRecord {
  const a = text.indexOf('\t');
  const b = text.indexOf('\t', a + 1);
  const c = text.indexOf('\t', b + 1);
  return { ms: Number(text.slice(0, a)), line: Number(text.slice(a + 1, b)), key: JSON.parse(text.slice(b + 1, c)) as string, value: text.slice(c + 1) };
}

async function* readRun(path: string): AsyncGenerator<SortRecord> {
  const input = createReadStream(path);
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const text of lines) yield decode(text);
  } finally {
    // stopped early (limit, abort): close the file now, not when the stream is collected
    lines.close();
    input.destroy();
  }
}

/** Writes records to a new file, waiting for the stream to drain: memory stays at one chunk. */
async function writeRun(path: string, records: AsyncIterable<SortRecord> | Iterable<SortRecord>): Promise<number> {
  const out = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined); // raced below; only keeps it from being unhandled meanwhile
  let chunk = '';
  const flush = async (): Promise<void> => {
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
    chunk = '';
  };
  try {
    for await (const r of records) {
      chunk += encode(r);
      if (chunk.length >= 1 << 16) await flush();
    }
    if (chunk !== '') await flush();
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
  } finally {
    out.destroy();
  }
  return out.bytesWritten;
}

/**
 * An external merge sort by (occurredAt, line): at most `bufferRows` records in memory; each
 * full buffer is sorted and written to a temp file, and `sorted()` merges those runs with the
 * last buffer, which never touches the disk (a file that fits in one buffer needs no temp files).
 * `dispose()` removes the temp directory; call it in a `finally`, also after an error or abort.
 */
export class ExternalSorter {
  private buffer: SortRecord[] = [];
  private readonly runFiles: string[] = [];
  private dir: string | null = null;
  private files = 0;
  private started = false;
  readonly stats: SortStats = { runs: 0, mergedRuns: 0, tempBytes: 0 };
  private readonly fanIn: number;

  constructor(private readonly options: SortOptions) {
    if (!Number.isInteger(options.bufferRows) || options.bufferRows < 1) throw new RangeError('bufferRows must be a whole number > 0');
    this.fanIn = Math.max(2, options.fanIn ?? 64);
  }

  /** Adds a record; resolves once a full buffer has been written out. */
  async add(record: SortRecord): Promise<void> {
    this.buffer.push(record);
    if (this.buffer.length >= this.options.bufferRows) await this.spill();
  }

  private async nextFile(): Promise<string> {
    this.dir ??= await mkdtemp(join(this.options.tempDir ?? tmpdir(), 'bondstream-import-'));
    this.files += 1;
    return join(this.dir, `run-${this.files}.tsv`);
  }

  private async spill(): Promise<void> {
    const records = this.buffer.sort(byTimeThenLine);
    this.buffer = []; // the old array is garbage as soon as it is written
    const path = await this.nextFile();
    this.stats.tempBytes += await writeRun(path, records);
    this.stats.runs += 1;
    this.runFiles.push(path);
  }

  /**
   * Every record added, in (occurredAt, line) order. Call once, after the last `add`. Runs past
   * the fan-in are first merged in groups into longer runs; which runs go together does not
   * matter, since (occurredAt, line) orders any two records the same way. After `signal`
   * aborts, the sequence may end before every record: count them to tell.
   */
  async *sorted(signal?: AbortSignal): AsyncGenerator<SortRecord> {
    if (this.started) throw new Error('ExternalSorter.sorted() called twice');
    this.started = true;
    const last = this.buffer.sort(byTimeThenLine);
    this.buffer = [];
    while (this.runFiles.length + 1 > this.fanIn) {
      // intermediate merges of a large file take minutes: an abort ends the sequence early
      if (signal?.aborted) return;
      const group = this.runFiles.splice(0, this.fanIn);
      const path = await this.nextFile();
      this.stats.tempBytes += await writeRun(path, mergeSorted(group.map(readRun), byTimeThenLine));
      this.stats.mergedRuns += 1;
      this.runFiles.push(path);
      await Promise.all(group.map((f) => unlink(f)));
    }
    yield* mergeSorted([...this.runFiles.map(readRun), last], byTimeThenLine);
  }

  /** Removes the temp directory and everything in it (safe to call more than once). */
  async dispose(): Promise<void> {
    this.buffer = [];
    if (this.dir !== null) await rm(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  /** The temp directory, once a run has been written (for tests and diagnostics). */
  get tempDirectory(): string | null {
    return this.dir;
  }
}
