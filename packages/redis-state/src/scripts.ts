import { readFileSync } from 'node:fs';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './client.js';

/**
 * Lua scripts live in ../lua/*.lua (beside src/ and dist/ alike) and are registered with
 * ioredis' defineCommand, which sends EVALSHA and falls back to EVAL after a SCRIPT FLUSH or a
 * failover, in pipelines too.
 */
/** A script whose number of keys is given with each call (one key per customer, say). */
const VARIABLE = null;

const SCRIPTS: Record<string, { file: string; keys: number | null }> = {
  applyCustomers: { file: 'apply-customers.lua', keys: VARIABLE },
  loadCustomers: { file: 'load-customers.lua', keys: VARIABLE },
  ackOutbox: { file: 'ack-outbox.lua', keys: VARIABLE },
  trimOutbox: { file: 'trim-outbox.lua', keys: VARIABLE },
  deletePublished: { file: 'delete-published.lua', keys: 2 },
  acquireLease: { file: 'acquire-lease.lua', keys: 1 },
  releaseLease: { file: 'release-lease.lua', keys: 1 },
  raiseWatermark: { file: 'raise-watermark.lua', keys: 1 },
  notePartitionTimes: { file: 'note-partition-times.lua', keys: 1 },
  claimAction: { file: 'claim-action.lua', keys: 5 },
};

export type ScriptName = 'applyCustomers' | 'loadCustomers' | 'ackOutbox' | 'trimOutbox' | 'deletePublished' | 'acquireLease' | 'releaseLease' | 'raiseWatermark' | 'notePartitionTimes' | 'claimAction';
type Args = (string | number | Buffer)[];

const sources = new Map<ScriptName, string>();
function source(name: ScriptName): string {
  let lua = sources.get(name);
  if (lua === undefined) {
    lua = readFileSync(new URL(`../lua/${SCRIPTS[name]!.file}`, import.meta.url), 'utf8');
    sources.set(name, lua);
  }
  return lua;
}

const defined = new WeakSet<RedisClient>();

/** Registers the scripts on a connection once; pipelines created from it inherit them. */
export function defineScripts(redis: RedisClient): void {
  if (defined.has(redis)) return;
  for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
    const keys = SCRIPTS[name]!.keys;
    redis.defineCommand(name, keys === null ? { lua: source(name) } : { numberOfKeys: keys, lua: source(name) });
  }
  defined.add(redis);
}

type ScriptTarget = RedisClient | ChainableCommander;

/**
 * Queues (on a pipeline) or runs (on a connection) a script: keys first, then arguments. With
 * `replies: 'buffers'` bulk replies come back as Buffers (for binary fields).
 */
export function callScript(target: ScriptTarget, name: ScriptName, keys: string[], args: Args, replies: 'strings' | 'buffers' = 'strings'): unknown {
  const declared = SCRIPTS[name]!.keys;
  if (declared !== null && keys.length !== declared) throw new Error(`${name} takes ${declared} keys`);
  const method = replies === 'buffers' ? `${name}Buffer` : name;
  const fn = (target as unknown as Record<string, (...a: Args) => unknown>)[method];
  if (typeof fn !== 'function') throw new Error(`script ${name} is not defined on this connection: call defineScripts first`);
  return declared === null ? fn.call(target, keys.length, ...keys, ...args) : fn.call(target, ...keys, ...args);
}
