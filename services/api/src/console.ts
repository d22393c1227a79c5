import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The page loads only its own script and stylesheet and talks only to this API. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/**
 * Where the console's build is: packages/console/dist, found through the workspace package (so
 * it holds from dist/ and from src/, in the repo and in the image), or null when the package
 * cannot be resolved.
 */
export function consoleDistDir(): string | null {
  try {
    return `${dirname(fileURLToPath(import.meta.resolve('@bondstream/console/package.json')))}/dist`;
  } catch {
    return null;
  }
}

/**
 * GET /console/ and its assets (DESIGN section 2). The files carry no data, so they are served
 * without a token; the page reads /v1, which keeps its bearer authentication. /console
 * redirects to /console/ (relative, so a proxy's path prefix is kept; the page's URLs need the slash). When the console was not
 * built, /console/ answers 503 saying so.
 */
export async function registerConsole(app: FastifyInstance, distDir: string | null = consoleDistDir()): Promise<void> {
  app.get('/console', async (_request, reply) => reply.redirect('console/', 301));

  if (distDir === null || !existsSync(`${distDir}/index.html`)) {
    const message = `the console is not built (no ${distDir ?? '@bondstream/console'}/index.html): run npm run build`;
    app.log.warn({ distDir }, 'console not built; /console/ answers 503');
    app.get('/console/*', async (_request, reply) =>
      reply.code(503).header('content-type', 'text/plain; charset=utf-8').send(`503 Service Unavailable: ${message}\n`));
    return;
  }

  await app.register(fastifyStatic, {
    root: distDir,
    prefix: '/console/',
    index: ['index.html'],
    // every asset is small and rebuilt under the same name: revalidate (ETag) rather than cache
    cacheControl: true,
    maxAge: 0,
    // the API's own 404 handler answers anything else
    wildcard: false,
    // the build writes .br and .gz beside each asset
    preCompressed: true,
    setHeaders: (res) => {
      res.setHeader('content-security-policy', CSP);
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
    },
  });
}
