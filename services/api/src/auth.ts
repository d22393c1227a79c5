import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiToken } from '@bondstream/config';

/** Compares a request's Authorization header with the bearer token in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(header.slice('Bearer '.length)), digest(token));
}

/** The configured token a request carries (every token is compared, so timing does not tell which matched). */
export function tokenOf(tokens: readonly ApiToken[], header: string | undefined): ApiToken | null {
  let found: ApiToken | null = null;
  for (const token of tokens) if (bearerMatches(header, token.token) && found === null) found = token;
  return found;
}

/** Whether a token (null: authentication is off) may read the tenant. */
export const mayRead = (token: ApiToken | null, tenantId: string): boolean => token === null || token.tenants === null || token.tenants.has(tenantId);

const authenticated = new WeakMap<FastifyRequest, ApiToken>();

/** The token the request was authenticated with (null when authentication is off). */
export const requestToken = (request: FastifyRequest): ApiToken | null => authenticated.get(request) ?? null;

/**
 * Bearer authentication for a route scope (DESIGN section 3): with tokens configured, a request
 * without a known token gets 401, and one asking (`?tenant=`, default `default`) for a tenant
 * its token may not read gets 403. Without tokens, everything is open.
 */
export function requireTokens(scope: FastifyInstance, tokens: readonly ApiToken[]): void {
  if (tokens.length === 0) return;
  scope.addHook('onRequest', async (request, reply) => {
    const token = tokenOf(tokens, request.headers.authorization);
    if (token === null) {
      await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: 'a valid bearer token is required' });
      return;
    }
    authenticated.set(request, token);
    if (request.routeOptions.url?.endsWith('/tenants')) return; // the token's own list: no tenant asked for
    const tenant = (request.query as { tenant?: unknown }).tenant;
    const tenantId = typeof tenant === 'string' ? tenant : 'default';
    if (!mayRead(token, tenantId)) {
      await reply.code(403).send({ error: 'forbidden', message: `this token may not read tenant ${tenantId}` });
    }
  });
}
