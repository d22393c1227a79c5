import { readFileSync } from 'node:fs';
import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Lua scripts live in ../lua/*.lua (beside src/ and dist/ alike) and are registered with
 * ioredis' defineCommand, which sends EVALSHA and falls back to EVAL after a SCRIPT FLUSH or a
 * failover, in pipelines too.
 */
const SCRIPTS = {
  applyCustomer: { file: 'apply-customer.lua', keys: 8 },
  ackOutbox: { file: 'ack-outbox.lua', keys: 2 },
  acquireLease: { file: 'acquire-lease.lua', keys: 1 },
  raiseWatermark: { file: 'raise-watermark.lua', keys: 1 },
  claimAction: { file: 'claim-action.lua', keys: 4 },
} as const;

export type ScriptName = keyof typeof SCRIPTS;
type Args = (string | number | Buffer)[];

const sources = new Map<ScriptName, string>();
function source(name: ScriptName): string {
  let lua = sources.get(name);
  if (lua === undefined) {
    lua = readFileSync(new URL(`../lua/${SCRIPTS[name].file}`, import.meta.url), 'utf8');
    sources.set(name, lua);
  }
  return lua;
}

const defined = new WeakSet<Redis>();

/** Registers the scripts on a connection once; pipelines created from it inherit them. */
export function defineScripts(redis: Redis): void {
  if (defined.has(redis)) return;
  for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
    redis.defineCommand(name, { numberOfKeys: SCRIPTS[name].keys, lua: source(name) });
  }
  defined.add(redis);
}

type ScriptTarget = Redis | ChainableCommander;

/** Queues (on a pipeline) or runs (on a connection) a script: keys first, then arguments. */
export function callScript(target: ScriptTarget, name: ScriptName, keys: string[], args: Args): unknown {
  if (keys.length !== SCRIPTS[name].keys) throw new Error(`${name} takes ${SCRIPTS[name].keys} keys`);
  const fn = (target as unknown as Record<string, (...a: Args) => unknown>)[name];
  if (typeof fn !== 'function') throw new Error(`script ${name} is not defined on this connection: call defineScripts first`);
  return fn.call(target, ...keys, ...args);
}
