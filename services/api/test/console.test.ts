import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger, createMetricsRegistry, startHttpServer } from '@bondstream/observability';
import { consoleDistDir, registerConsole } from '../src/console.js';

describe('GET /console/', () => {
  let close: (() => Promise<void>) | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bondstream-console-dist-'));
  afterEach(async () => {
    await close?.();
    close = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function serve(distDir: string | null): Promise<string> {
    const http = await startHttpServer({
      port: 0, host: '127.0.0.1', logger: createLogger('api', 'silent'), registry: createMetricsRegistry('api'), ready: () => true,
      routes: (app) => registerConsole(app, distDir),
    });
    close = http.close;
    return `http://127.0.0.1:${http.port}`;
  }

  it('finds the console package\'s dist/ through the workspace', () => {
    expect(consoleDistDir()).toMatch(/packages\/console\/dist$/);
  });

  it('serves the built page and its assets, and redirects /console to /console/', async () => {
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dir, 'app.js'), 'export {};');
    const url = await serve(dir);
    const page = await fetch(`${url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<title>console</title>');
    expect((await fetch(`${url}/console/app.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${url}/console/missing.js`)).status).toBe(404);
    const redirect = await fetch(`${url}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(new URL(redirect.headers.get('location') ?? '', `${url}/console`).href).toBe(`${url}/console/`);
  });

  it('answers 503 saying how to build it when the console was not built', async () => {
    const url = await serve(join(dir, 'not-built'));
    const response = await fetch(`${url}/console/`);
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/console is not built.*npm run build/);
  });
});
