#!/usr/bin/env node
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Kafka, logLevel, Partitioners, type Producer, type SASLOptions } from 'kafkajs';
import { z } from 'zod';
import { isEntryPoint, parseCommandLine, parseFlags, runProgram, UsageError } from '@bondstream/cli-kit';
import { loadServiceConfig } from '@bondstream/config';
import { defaultCheckpointPath, ORDERS } from './checkpoint.js';
import { FORMATS, MAPPABLE_FIELDS, parseMapping, type ColumnMapping } from './formats.js';
import { DEFAULT_SORT_BUFFER_ROWS, importFile, type ImportOptions, type ImportSummary, type OrderProducer } from './run.js';
import { progressReporter, summaryLine } from './report.js';
import { SourceError } from './source.js';

export const USAGE = `usage: import --format <format> --file <path> [options]

Loads historical orders into Kafka as order events (DESIGN section 3), keyed by customerId,
with acks=all, in event-time order (occurredAt, ties by line): with CRM_CLOCK=event the
scorer evaluates as of the newest event time it has seen, so older events arrive late. Files
larger than memory are sorted on disk (runs of --sort-buffer rows in a temp directory,
removed at the end).
Resumable: a checkpoint records how many events Kafka acknowledged (in file order: the last
line), and running the same command again continues after them. Every bad row is reported
as file:line: reason.

formats
  cdnow            CDNOW transaction log: "id YYYYMMDD cds dollars" (master) or
                   "id sample-id YYYYMMDD cds dollars" (sample), whitespace separated
  online-retail    CSV InvoiceNo,InvoiceDate,CustomerID,Country,Quantity,UnitPrice; value =
                   |Quantity × UnitPrice| in exact cents; invoices C… become order.cancelled
  jsonl            one order event (JSON) per line, validated with the event schema
  csv              any CSV with a header, through --map

options
  --file <path>             the file to import (required)
  --format <format>         one of ${FORMATS.join(', ')} (required)
  --map <field=Column,...>  csv: columns of ${MAPPABLE_FIELDS.join(', ')};
                            customerId, occurredAt and amount are required. Without a type
                            column a negative amount is a cancellation
  --map-file <file.json>    csv: the same mapping as a JSON object {"customerId": "Col", ...}
  --delimiter <char>        csv: field delimiter (default ,)
  --tenant <id>             tenantId of every event (default: default)
  --source <id>             event ids are <source>:<line> (default: the file's name)
  --currency <code>         ISO 4217 code on every event (cdnow: USD, online-retail: GBP)
  --brokers <host:port,...> Kafka bootstrap servers (default: $KAFKA_BROKERS)
  --topic <topic>           (default: $TOPIC_ORDERS or crm.orders.v1)
  --idempotent <bool>       idempotent producer (default: $KAFKA_IDEMPOTENT or true;
                            false for the local mock broker)
  --checkpoint <path>       (default: .import-state/<file name>.<hash of its path>.json)
  --restart                 ignore the checkpoint and import from the start
  --order <time|file>       time (default): by occurredAt, ties by line; file: as the file
                            lists them (for files already in time order: no sort, no temp files)
  --sort-buffer <rows>      time order: rows held in memory (default ${DEFAULT_SORT_BUFFER_ROWS}); a larger
                            file is sorted in runs of this many on disk
  --temp-dir <dir>          time order: where the sorted runs go (default: the OS temp dir)
  --batch-size <n>          events per produce request (default 2000)
  --limit <n>               stop early in this run (the next run continues): time order after
                            n events, file order after n rows (good or bad)
  --bad-rows <file.jsonl>   also write every bad row as {"line","reason","raw"}
  --allow-bad-rows          exit 0 even when there were bad rows
  --dry-run                 print the events as JSON lines on stdout; no Kafka, no checkpoint
  --quiet                   no progress output
  --help                    this text

exit codes: 0 done, 1 failed (the checkpoint keeps what was acknowledged), 2 bad usage,
3 done but with bad rows (unless --allow-bad-rows), 130 interrupted (run again to resume).
The last stdout line is a JSON summary.`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** true: draw a progress bar; false: a plain line every few seconds */
  isTTY: boolean;
  signal?: AbortSignal;
}

const positiveInt = (flag: string) => z.coerce.number({ error: `${flag} must be a whole number > 0` }).int(`${flag} must be a whole number > 0`).positive(`${flag} must be a whole number > 0`);

const argsSchema = z.object({
  file: z.string({ error: '--file is required' }).min(1, '--file is required')
    .refine((f) => existsSync(f), { message: '--file does not exist' }),
  format: z.enum(FORMATS, { error: `--format must be one of ${FORMATS.join(', ')}` }),
  map: z.string().optional(),
  'map-file': z.string().optional(),
  delimiter: z.string().length(1, '--delimiter must be one character').optional(),
  tenant: z.string().min(1).max(100).regex(/^[^{}]*$/, "--tenant must not contain '{' or '}'").default('default'),
  source: z.string().min(1, '--source must not be empty').max(150).optional(),
  currency: z.string().regex(/^[A-Za-z]{3}$/, '--currency must be a 3-letter ISO 4217 code').optional(),
  brokers: z.string().optional(),
  topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, '--topic is not a valid Kafka topic name').optional(),
  idempotent: z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: '--idempotent must be true or false' }).optional(),
  checkpoint: z.string().min(1).optional(),
  restart: z.boolean().default(false),
  order: z.enum(ORDERS, { error: `--order must be one of ${ORDERS.join(', ')}` }).default('time'),
  'sort-buffer': positiveInt('--sort-buffer').max(50_000_000, '--sort-buffer must be ≤ 50000000').default(DEFAULT_SORT_BUFFER_ROWS),
  'temp-dir': z.string().min(1, '--temp-dir must not be empty')
    .refine((d) => existsSync(d) && statSync(d).isDirectory(), { message: '--temp-dir is not a directory' }).optional(),
  'batch-size': positiveInt('--batch-size').max(100_000, '--batch-size must be ≤ 100000').default(2000),
  limit: positiveInt('--limit').optional(),
  'bad-rows': z.string().min(1).optional(),
  'allow-bad-rows': z.boolean().default(false),
  'dry-run': z.boolean().default(false),
  quiet: z.boolean().default(false),
});

interface Parsed {
  options: ImportOptions;
  args: z.infer<typeof argsSchema>;
}

function readMapping(args: z.infer<typeof argsSchema>): ColumnMapping | undefined {
  if (args.format !== 'csv') {
    if (args.map !== undefined || args['map-file'] !== undefined) throw new UsageError(`--map and --map-file are for --format csv, not ${args.format}`);
    return undefined;
  }
  if ((args.map === undefined) === (args['map-file'] === undefined)) throw new UsageError('--format csv needs exactly one of --map or --map-file');
  try {
    if (args.map !== undefined) return parseMapping(args.map);
    const json = JSON.parse(readFileSync(args['map-file'] as string, 'utf8')) as unknown;
    if (typeof json !== 'object' || json === null) throw new Error('expected a JSON object');
    return parseMapping(Object.entries(json).map(([k, v]) => `${k}=${String(v)}`).join(','));
  } catch (error) {
    throw new UsageError(`${args.map !== undefined ? '--map' : '--map-file'}: ${(error as Error).message}`);
  }
}

function parseCli(argv: string[], io: CliIo): Parsed | 'help' {
  const values = parseFlags(argv, {
    file: { type: 'string' }, format: { type: 'string' }, map: { type: 'string' }, 'map-file': { type: 'string' },
    delimiter: { type: 'string' }, tenant: { type: 'string' }, source: { type: 'string' }, currency: { type: 'string' },
    brokers: { type: 'string' }, topic: { type: 'string' }, idempotent: { type: 'string' }, checkpoint: { type: 'string' },
    restart: { type: 'boolean' }, order: { type: 'string' }, 'sort-buffer': { type: 'string' }, 'temp-dir': { type: 'string' }, 'batch-size': { type: 'string' }, limit: { type: 'string' }, 'bad-rows': { type: 'string' },
    'allow-bad-rows': { type: 'boolean' }, 'dry-run': { type: 'boolean' }, quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => (i.message.startsWith('--') ? i.message : `--${i.path.join('.')}: ${i.message}`)).join('; '));
  }
  const args = parsed.data;
  const mapping = readMapping(args);
  const defaultCurrency = { cdnow: 'USD', 'online-retail': 'GBP', jsonl: undefined, csv: undefined }[args.format];
  const options: ImportOptions = {
    file: args.file,
    format: args.format,
    ...(mapping ? { mapping } : {}),
    ...(args.delimiter ? { delimiter: args.delimiter } : {}),
    source: args.source ?? basename(args.file),
    tenantId: args.tenant,
    currency: args.currency?.toUpperCase() ?? defaultCurrency,
    topic: args.topic ?? (io.env.TOPIC_ORDERS?.trim() || 'crm.orders.v1'),
    checkpointPath: args['dry-run'] ? null : (args.checkpoint ?? defaultCheckpointPath(args.file)),
    restart: args.restart,
    order: args.order,
    sortBufferRows: args['sort-buffer'],
    ...(args['temp-dir'] !== undefined ? { tempDir: args['temp-dir'] } : {}),
    batchSize: args['batch-size'],
    maxInFlight: 4,
    ...(args.limit !== undefined ? { limit: args.limit } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
  };
  return { options, args };
}

/** A kafkajs producer configured from the same environment as the services (SSL, SASL, idempotence). */
function createProducer(args: z.infer<typeof argsSchema>, env: NodeJS.ProcessEnv): Producer {
  const merged = { ...env, ...(args.brokers !== undefined ? { KAFKA_BROKERS: args.brokers } : {}), ...(args.idempotent !== undefined ? { KAFKA_IDEMPOTENT: args.idempotent } : {}) };
  let config;
  try {
    config = loadServiceConfig(merged, { service: 'importer', httpPort: 0, groupId: 'bondstream-importer' });
  } catch (error) {
    const text = (error as Error).message.replaceAll('KAFKA_BROKERS', args.brokers !== undefined ? '--brokers' : 'KAFKA_BROKERS (or --brokers)');
    throw new UsageError(text.replaceAll('\n', '; '));
  }
  const kafka = new Kafka({
    clientId: config.kafka.clientId, brokers: config.kafka.brokers, ssl: config.kafka.ssl,
    ...(config.kafka.sasl ? { sasl: { ...config.kafka.sasl } as SASLOptions } : {}),
    logLevel: logLevel.NOTHING, // failures are reported once, in plain words
    retry: { retries: 5 },
  });
  return kafka.producer({
    idempotent: config.kafka.idempotent,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    ...(config.kafka.idempotent ? { maxInFlightRequests: 1 } : {}),
  });
}

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[], ioOverrides: Partial<CliIo> = {}): Promise<number> {
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    isTTY: process.stderr.isTTY === true,
    ...ioOverrides,
  };
  const parsed = parseCommandLine('import', USAGE, () => {
    const p = parseCli(argv, io);
    return p === 'help' ? p : { ...p, producer: p.args['dry-run'] ? null : createProducer(p.args, io.env) };
  }, io);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { options, args, producer } = parsed;
  const badRowsFile = args['bad-rows'];
  const progress = progressReporter(io.stderr, io.isTTY, args.quiet);
  let summary: ImportSummary;
  try {
    if (badRowsFile !== undefined && (options.restart || !existsSync(badRowsFile))) writeFileSync(badRowsFile, '');
    await producer?.connect();
    // A dry run "produces" to stdout: the same events, in the same batches, nothing sent.
    const sink: OrderProducer = producer ?? {
      send: async ({ messages }) => {
        io.stdout(messages.map((m) => `${String(m.value)}\n`).join(''));
        return [];
      },
    };
    summary = await importFile(sink, options, {
      onBadRow: (row) => {
        const reason = row.outcome.ok ? '' : row.outcome.reason;
        io.stderr(`${options.file}:${row.line}: ${reason}\n`);
        if (badRowsFile !== undefined) appendFileSync(badRowsFile, `${JSON.stringify({ file: options.file, line: row.line, reason, raw: row.raw })}\n`);
      },
      onProgress: (p) => progress.update(p),
    });
  } catch (error) {
    progress.stop();
    const where = error instanceof SourceError ? '' : producer ? ` (run the same command again to resume from ${options.checkpointPath})` : '';
    io.stderr(`import: ${(error as Error).message}${where}\n`);
    return 1;
  } finally {
    await producer?.disconnect().catch(() => undefined);
  }
  progress.stop();
  if (summary.alreadyComplete) io.stderr(`import: ${options.file} was already imported completely (checkpoint ${options.checkpointPath}); --restart imports it again\n`);
  if (!args.quiet && !summary.alreadyComplete) io.stderr(`${summaryLine(summary)}\n`);
  io.stdout(`${JSON.stringify(summary)}\n`);
  if (summary.interrupted) return 130;
  return summary.totalBadRows > 0 && !args['allow-bad-rows'] ? 3 : 0;
}

if (isEntryPoint(import.meta.url)) {
  runProgram('import', (argv, signal) => main(argv, { signal }), { stopping: 'stopping after the batches in flight', signals: ['SIGINT', 'SIGTERM'] });
}
