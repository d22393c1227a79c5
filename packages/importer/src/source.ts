import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse, type CsvError } from 'csv-parse';
import {
  cdnowRow, jsonlRow, mappedRow, ONLINE_RETAIL_COLUMNS, onlineRetailRow,
  type ColumnMapping, type Format, type RowContext, type RowOutcome,
} from './formats.js';

export interface Row {
  line: number;
  /** bytes of the file read so far (for progress and ETA) */
  bytes: number;
  outcome: RowOutcome;
  /** the row as written, for the bad-rows file */
  raw: string;
}

export interface SourceOptions {
  file: string;
  format: Format;
  mapping?: ColumnMapping;
  delimiter?: string;
  context: Omit<RowContext, 'line'>;
  /** rows ending on or before this line were imported by an earlier run: not read again */
  afterLine: number;
}

/** A file that cannot be imported at all (as opposed to a bad row). */
export class SourceError extends Error {}

/** The rows of a file, in order, each an order event or a bad row; skipped lines (blank, header) are not rows. */
export function readRows(options: SourceOptions): AsyncGenerator<Row> {
  return options.format === 'cdnow' || options.format === 'jsonl' ? readLines(options) : readCsv(options);
}

async function* readLines(options: SourceOptions): AsyncGenerator<Row> {
  const input = createReadStream(options.file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (line <= options.afterLine) continue;
    // bytes the stream has read (up to 64 KiB ahead of this line): what progress and ETA need
    const bytes = input.bytesRead;
    const ctx: RowContext = { ...options.context, line };
    const outcome = options.format === 'cdnow' ? cdnowRow(text, ctx) : jsonlRow(text);
    if (outcome !== null) yield { line, bytes, outcome, raw: text };
  }
}

/**
 * CSV through csv-parse: quoting, embedded newlines and CRLF are its job. Records it cannot
 * parse (wrong column count, bad quoting) come back through on_skip with their line and become
 * bad rows, in line order with the good ones.
 */
async function* readCsv(options: SourceOptions): AsyncGenerator<Row> {
  const skipped: Row[] = [];
  const parser = createReadStream(options.file).pipe(parse({
    columns: true,
    info: true,
    raw: true,
    bom: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    delimiter: options.delimiter ?? ',',
    on_skip: (error: CsvError | undefined, raw: string | undefined) => {
      const line = Number(error?.lines ?? 0);
      skipped.push({ line, bytes: 0, raw: (raw ?? '').trim(), outcome: { ok: false, reason: error?.message ?? 'unparseable CSV record' } });
      return undefined;
    },
  }));
  let checkedHeader = false;
  const flushSkipped = function* (beforeLine: number): Generator<Row> {
    while (skipped.length > 0 && (skipped[0] as Row).line < beforeLine) {
      const row = skipped.shift() as Row;
      if (row.line > options.afterLine) yield { ...row, bytes: parser.info.bytes };
    }
  };
  for await (const { record, info, raw } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number }; raw: string }>) {
    if (!checkedHeader) {
      checkedHeader = true;
      const required = options.format === 'online-retail' ? ONLINE_RETAIL_COLUMNS : Object.values(options.mapping ?? {});
      const missing = required.filter((column) => !(column in record));
      if (missing.length > 0) {
        parser.destroy();
        throw new SourceError(`${options.file}: header has no column ${missing.map((c) => `"${c}"`).join(', ')} (found ${Object.keys(record).map((c) => `"${c}"`).join(', ')})`);
      }
    }
    yield* flushSkipped(info.lines);
    if (info.lines <= options.afterLine) continue;
    const ctx: RowContext = { ...options.context, line: info.lines };
    const outcome = options.format === 'online-retail' ? onlineRetailRow(record, ctx) : mappedRow(record, options.mapping as ColumnMapping, ctx);
    yield { line: info.lines, bytes: parser.info.bytes, outcome, raw: raw.trimEnd() };
  }
  yield* flushSkipped(Infinity);
}
