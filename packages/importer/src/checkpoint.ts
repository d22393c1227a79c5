import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { FORMATS } from './formats.js';

/**
 * Where an import stands: every row on or before `line` is acknowledged by Kafka (acks=all) or
 * reported as bad. Written after each acknowledged batch (write, then rename: never half a file).
 */
export const checkpointSchema = z.object({
  version: z.literal(1),
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

export function fresh(identity: Pick<Checkpoint, 'file' | 'format' | 'source' | 'tenantId'>): Checkpoint {
  return {
    version: 1, ...identity, file: resolve(identity.file), size: statSync(identity.file).size,
    line: 0, produced: 0, badRows: 0, complete: false, updatedAt: new Date().toISOString(),
  };
}

/**
 * The checkpoint to continue from: null when there is none. Throws when it belongs to another
 * import or the file changed since (its line numbers would no longer mean the same rows).
 */
export function loadCheckpoint(path: string, identity: Pick<Checkpoint, 'file' | 'format' | 'source' | 'tenantId'>): Checkpoint | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = checkpointSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`checkpoint ${path} is not an import checkpoint; pass --restart to start over`);
  const saved = parsed.data;
  const expected = { ...identity, file: resolve(identity.file) };
  for (const key of ['file', 'format', 'source', 'tenantId'] as const) {
    if (saved[key] !== expected[key]) {
      throw new Error(`checkpoint ${path} is for ${key} "${saved[key]}", not "${expected[key]}"; pass --restart or another --checkpoint`);
    }
  }
  const size = statSync(identity.file).size;
  if (size !== saved.size) throw new Error(`${identity.file} changed since checkpoint ${path} (size ${saved.size} → ${size}); pass --restart`);
  return saved;
}

export function saveCheckpoint(path: string, checkpoint: Checkpoint): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ ...checkpoint, updatedAt: new Date().toISOString() }, null, 2)}\n`);
  renameSync(tmp, path);
}
