import { z } from 'zod';
import { ConfigError } from './errors.js';
import { readYamlFile } from './yaml-file.js';

/**
 * The API's bearer tokens and the tenants each may read (DESIGN section 3). `API_TOKEN` is the
 * all-tenant token; `API_TOKENS_FILE` (YAML or JSON) scopes tokens to tenants:
 *
 *   tokens:
 *     - name: marketing-shop-1      # shown in logs instead of the token
 *       token: "4f9c…"
 *       tenants: [shop-1]           # or ["*"]: every tenant
 */
export interface ApiToken {
  name: string;
  token: string;
  /** null: every tenant */
  tenants: ReadonlySet<string> | null;
}

const tenantId = z.string().min(1).max(100).regex(/^[^{}]+$/, 'must not contain { or }');
const fileSchema = z.strictObject({
  tokens: z.array(z.strictObject({
    name: z.string().min(1).max(100),
    token: z.string().min(8, 'must be at least 8 characters').refine((t) => t === t.trim() && !/\s/.test(t), 'must not contain whitespace'),
    tenants: z.array(z.union([z.literal('*'), tenantId])).min(1),
  })).min(1),
});

/** The tokens of `API_TOKEN` (every tenant) and `API_TOKENS_FILE`; an empty list: no authentication. */
export function loadApiTokens(apiToken: string | null, file: string | null): ApiToken[] {
  const tokens: ApiToken[] = apiToken === null ? [] : [{ name: 'API_TOKEN', token: apiToken, tenants: null }];
  if (file === null) return tokens;
  const source = `API_TOKENS_FILE (${file})`;
  const parsed = fileSchema.safeParse(readYamlFile(file, source));
  if (!parsed.success) {
    // token values are secrets: the messages name the path, never the value
    throw new ConfigError(parsed.error.issues.map((i) => `${source}: ${i.path.join('.') || 'document'}: ${i.message}`));
  }
  for (const entry of parsed.data.tokens) {
    if (tokens.some((t) => t.token === entry.token)) throw new ConfigError(`${source}: tokens.${entry.name}: the same token appears twice (or equals API_TOKEN)`);
    tokens.push({ name: entry.name, token: entry.token, tenants: entry.tenants.includes('*') ? null : new Set(entry.tenants) });
  }
  return tokens;
}
