import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { FORMATS } from './formats.js';

/** `time`: events produced by occurredAt (an external sort); `file`: in the order of the file. */
export const ORDERS = ['time', 'file'] as const;
export type ImportOrder = (typeof ORDERS)[number];

const common = {
  file: z.string(),
  size: z.number().int().nonnegative(),
  format: z.enum(FORMATS),
  source: z.string(),
  tenantId: z.string(),
  line: z.number().int().nonnegative(),
  produced: z.number().int().nonnegative(),
  badRows: z.number().int().nonnegative(),
  complete: z.boolean(),
  updatedAt: z.string(),
};

/** Written by importers before the time order: always file order, identified by size alone. */
const checkpointV1Schema = z.object({ version: z.literal(1), ...common });

/**
 * Where an import stands. Written after each acknowledged batch (write, then rename: never half
 * a file).
 * - `order: 'file'`: every row on or before `line` is acknowledged by Kafka (acks=all) or
 *   reported as bad.
 * - `order: 'time'`: the first `produced` events of the file in (occurredAt, line) order are
 *   acknowledged; `line` is the file line of the last of them, checked on resume. `events` and
 *   `badRows` are the file's totals, known once a run has read it whole: a resumed run reads
 *   the file again (to sort it) and refuses to go on if they differ, and does not report the
 *   bad rows a second time.
 * `size` and `head` (sha256 of the first MiB) identify the file's content: a copy or a touch
 * keeps them, an edit almost surely does not (the totals catch most of the rest).
 */
export const checkpointSchema = z.object({
  version: z.literal(2),
  ...common,
  head: z.string().nullable(),
  order: z.enum(ORDERS),
  events: z.number().int().nonnegative().nullable(),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

/**
 * Default place of a file's checkpoint: `.import-state/` in the working directory (datasets may
 * sit on read-only storage), named after the file and a hash of its absolute path.
 */
export function defaultCheckpointPath(file: string, cwd = process.cwd()): string {
  const absolute = resolve(file);
  const hash = createHash('sha256').update(absolute).digest('hex').slice(0, 10);
  return join(cwd, '.import-state', `${basename(absolute)}.${hash}.json`);
}

export type CheckpointIdentity = Pick<Checkpoint, 'file' | 'format' | 'source' | 'tenantId' | 'order'>;

/** sha256 of the file's first MiB: with the size, what tells the same file from an edited one. */
export function fileHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return createHash('sha256').update(buffer.subarray(0, n)).digest('hex');
  } finally {
    closeSync(fd);
  }
}

export function fresh(identity: CheckpointIdentity): Checkpoint {
  return {
    version: 2, ...identity, file: resolve(identity.file), size: statSync(identity.file).size, head: fileHead(identity.file),
    line: 0, produced: 0, badRows: 0, events: null, complete: false, updatedAt: new Date().toISOString(),
  };
}

/**
 * The checkpoint to continue from: null when there is none. Throws when it belongs to another
 * import, the file changed since (its line numbers, or its sorted order, would no longer mean
 * the same rows), or an unfinished import was in the other order (its position means nothing
 * in this one). A finished import is finished in either order.
 */
export function loadCheckpoint(path: string, identity: CheckpointIdentity): Checkpoint | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = z.union([checkpointSchema, checkpointV1Schema]).safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`checkpoint ${path} is not an import checkpoint; pass --restart to start over`);
  const saved: Checkpoint = parsed.data.version === 2 ? parsed.data : { ...parsed.data, version: 2, head: null, order: 'file', events: null };
  const expected = { ...identity, file: resolve(identity.file) };
  for (const key of ['file', 'format', 'source', 'tenantId'] as const) {
    if (saved[key] !== expected[key]) {
      throw new Error(`checkpoint ${path} is for ${key} "${saved[key]}", not "${expected[key]}"; pass --restart or another --checkpoint`);
    }
  }
  const size = statSync(identity.file).size;
  if (size !== saved.size) throw new Error(`${identity.file} changed since checkpoint ${path} (size ${saved.size} → ${size}); pass --restart`);
  if (saved.head !== null && saved.head !== fileHead(identity.file)) {
    throw new Error(`${identity.file} changed since checkpoint ${path} (its first MiB differs); pass --restart`);
  }
  if (!saved.complete && saved.order !== expected.order) {
    throw new Error(`checkpoint ${path} is of an unfinished import in ${saved.order} order; pass --order ${saved.order} to continue it, or --restart`);
  }
  return saved;
}

export function saveCheckpoint(path: string, checkpoint: Checkpoint): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ ...checkpoint, updatedAt: new Date().toISOString() }, null, 2)}\n`);
  renameSync(tmp, path);
}
