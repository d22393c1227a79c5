import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadApiTokens, loadServiceConfig } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'bondstream-tokens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string): string {
  const path = join(dir, `tokens-${++n}.yaml`);
  writeFileSync(path, text);
  return path;
}
function problemsOf(apiToken: string | null, path: string): string[] {
  try {
    loadApiTokens(apiToken, path);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.slice();
  }
  throw new Error('expected a ConfigError');
}

describe('API_TOKENS_FILE', () => {
  it('scopes each token to its tenants, "*" to every tenant, beside the all-tenant API_TOKEN', () => {
    const path = file('tokens:\n  - { name: shop-1 team, token: "t-shop-1-abcdef", tenants: [shop-1] }\n  - { name: ops, token: "t-ops-abcdefgh", tenants: ["*"] }\n');
    const tokens = loadApiTokens('root-token-123', path);
    expect(tokens.map((t) => [t.name, t.tenants === null ? '*' : [...t.tenants]])).toEqual([
      ['API_TOKEN', '*'], ['shop-1 team', ['shop-1']], ['ops', '*'],
    ]);
    expect(loadApiTokens(null, null)).toEqual([]);
  });

  it('refuses a bad file with the path of each problem, never a token\'s value', () => {
    const problems = problemsOf(null, file('tokens:\n  - { name: a, token: "has space in it", tenants: [] }\n  - { name: b, token: short, tenants: ["{x}"] }\n'));
    expect(problems.every((p) => p.startsWith('API_TOKENS_FILE ('))).toBe(true);
    expect(problems.join('\n')).toMatch(/tokens\.0\.token: must not contain whitespace/);
    expect(problems.join('\n')).toMatch(/tokens\.0\.tenants/);
    expect(problems.join('\n')).toMatch(/tokens\.1\.token: must be at least 8 characters/);
    expect(problems.join('\n')).not.toMatch(/has space|short"/);
    expect(problemsOf('same-token-1', file('tokens:\n  - { name: dup, token: same-token-1, tenants: [a] }\n'))).toEqual([
      expect.stringMatching(/tokens\.dup: the same token appears twice/),
    ]);
    expect(problemsOf(null, file('tokens: [\n'))[0]).toMatch(/not valid YAML or JSON/);
  });

  it('is checked at start: a missing file is an error naming API_TOKENS_FILE', () => {
    expect(() => loadServiceConfig({ API_TOKENS_FILE: join(dir, 'nope.yaml') }, { service: 'api', httpPort: 8080, groupId: 'g', needsKafka: false }))
      .toThrow(/^API_TOKENS_FILE: file not found/m);
  });
});
