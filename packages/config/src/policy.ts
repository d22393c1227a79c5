import type { z } from 'zod';
import { defaultPolicy, type Policy } from '@bondstream/model';
import { ConfigError } from './errors.js';
import { policySchema } from './policy-schema.js';
import { readYamlFile } from './yaml-file.js';

type Plain = Record<string, unknown>;

function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `override` merged over `base`: mappings are merged key by key, anything else (numbers,
 * lists such as cut points) replaces the base value, and null or absent keeps it. Keys that
 * `base` lacks are kept, so that the strict schema reports them. Own properties are defined
 * rather than assigned, so a `__proto__` key stays an (unknown, reported) key.
 */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (override === null || override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Plain = {};
  const define = (key: string, value: unknown): void => {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  };
  for (const key of Object.keys(base)) define(key, base[key]);
  for (const key of Object.keys(override)) define(key, deepMerge(Object.hasOwn(base, key) ? base[key] : undefined, override[key]));
  return out;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

function issueLines(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: ${issue.message}`);
  }
  const path = formatPath(issue.path);
  return [path === '' ? issue.message : `${path}: ${issue.message}`];
}

/**
 * Merges a parsed policy document over defaultPolicy and validates the result. `source` names
 * where it came from in error messages: every problem becomes one line `<source>: <path>: <problem>`.
 */
export function resolvePolicy(document: unknown, source: string): Policy {
  if (document !== null && document !== undefined && !isPlainObject(document)) {
    throw new ConfigError(`${source}: expected a mapping of policy settings at the top level`);
  }
  const result = policySchema.safeParse(deepMerge(defaultPolicy, document));
  if (!result.success) {
    throw new ConfigError(result.error.issues.flatMap(issueLines).map((line) => `${source}: ${line}`));
  }
  return result.data;
}

/**
 * Loads the policy file (YAML or JSON, CRM_POLICY_FILE): every field is optional and falls back
 * to defaultPolicy. `null` gives (a copy of) defaultPolicy. Throws a ConfigError whose lines read
 * `CRM_POLICY_FILE (<file>): <path>: <problem>`.
 */
export function loadPolicy(file: string | null): Policy {
  if (file === null) return structuredClone(defaultPolicy);
  const source = `CRM_POLICY_FILE (${file})`;
  return resolvePolicy(readYamlFile(file, source), source);
}
