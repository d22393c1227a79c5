import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError } from './errors.js';

/**
 * Reads a configuration file (YAML or JSON: YAML 1.2 is a superset of JSON, so one parser reads
 * both; duplicate keys are errors) into plain values. Problems are ConfigErrors whose lines
 * start with `source`, e.g. `CRM_POLICY_FILE (<file>)`.
 */
export function readYamlFile(file: string, source: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${source}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(err)})`}`);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => `${source}: not valid YAML or JSON: ${e.message.split('\n')[0]}`));
  }
  return doc.toJS({ maxAliasCount: 100 });
}
