// Reads /v1 with the session's bearer token and sorts every failure into what the page says.

const TOKEN_KEY = 'bondstream.console.token';

/** What went wrong with one request, in the terms the page shows. */
export type Failure =
  | { kind: 'unauthorized'; tokenSent: boolean } // 401: no token, or the token was refused
  | { kind: 'forbidden'; message: string } // 403: this token may not read the tenant
  | { kind: 'not_found'; message: string } // 404 from a route: no such customer, no model yet
  | { kind: 'not_available' } // 404 from no route: this API has no such endpoint (yet)
  | { kind: 'error'; message: string }; // anything else, network included

export type Result<T> = { ok: true; data: T } | { ok: false; failure: Failure };

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Keeps the token for this browser tab's session only (never localStorage, never a cookie). */
export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** GETs `/v1/<path>` (relative to the page, so a reverse proxy's prefix is kept). */
export async function getV1<T>(path: string, params: Record<string, string | number>): Promise<Result<T>> {
  const url = new URL(`../v1/${path}`, document.baseURI);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
  const token = storedToken();
  let response: Response;
  try {
    response = await fetch(url, { headers: token === null ? {} : { authorization: `Bearer ${token}` }, cache: 'no-store' });
  } catch (error) {
    return { ok: false, failure: { kind: 'error', message: `the API did not answer (${String(error)})` } };
  }
  if (response.ok) {
    try {
      return { ok: true, data: (await response.json()) as T };
    } catch {
      return { ok: false, failure: { kind: 'error', message: `GET ${url.pathname} answered ${response.status} with no JSON` } };
    }
  }
  const body = (await response.json().catch(() => null)) as { error?: unknown; message?: unknown } | null;
  const message = typeof body?.message === 'string' ? body.message : `HTTP ${response.status}`;
  switch (response.status) {
    case 401:
      return { ok: false, failure: { kind: 'unauthorized', tokenSent: token !== null } };
    case 403:
      return { ok: false, failure: { kind: 'forbidden', message } };
    case 404:
      // bondstream's own 404s say { error: "not_found" }; fastify's default route says "Not Found"
      return { ok: false, failure: body?.error === 'not_found' ? { kind: 'not_found', message } : { kind: 'not_available' } };
    default:
      return { ok: false, failure: { kind: 'error', message: `GET ${url.pathname}: ${message}` } };
  }
}
