import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLogger,
  createMetricsRegistry,
  HTTP_REQUEST_DURATION_METRIC,
  startHttpServer,
  type HttpServerOptions,
  type Logger,
  type RunningHttpServer,
} from '../src/index.js';

interface LogLine {
  level: string;
  time: string;
  service: string;
  msg?: string;
  component?: string;
  err?: { message: string };
  [key: string]: unknown;
}

/** A logger whose output is kept as parsed lines. */
function capturedLogger(level = 'info'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger('test-svc', level, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines };
}

const running: RunningHttpServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/**
 * Starts a server on a free port. `settled(n)` resolves once n responses have gone through all
 * onResponse hooks (the timing hook runs first), so metrics can be read without sleeping.
 */
async function start(overrides: Partial<HttpServerOptions> = {}) {
  const { logger, lines } = capturedLogger();
  const registry = createMetricsRegistry('test-svc');
  let responses = 0;
  let waiters: Array<{ n: number; resolve: () => void }> = [];
  const server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    logger,
    registry,
    ready: () => true,
    ...overrides,
    routes: async (app) => {
      app.addHook('onResponse', async () => {
        responses += 1;
        waiters = waiters.filter((w) => (w.n <= responses ? (w.resolve(), false) : true));
      });
      await overrides.routes?.(app);
    },
  });
  running.push(server);
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
  const settled = (n: number) =>
    new Promise<void>((resolve) => (n <= responses ? resolve() : waiters.push({ n, resolve })));
  return { server, registry, lines, url, settled };
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('createLogger', () => {
  it('writes JSON lines with the service, an ISO time and the level name', () => {
    const { logger, lines } = capturedLogger('info');
    logger.info({ customers: 3 }, 'hello');
    logger.debug('hidden at info');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', service: 'test-svc', msg: 'hello', customers: 3 });
    expect(new Date(lines[0]!.time).toISOString()).toBe(lines[0]!.time);
  });

  it('honours the level and redacts credentials', () => {
    const { logger, lines } = capturedLogger('debug');
    logger.debug({ sasl: { password: 'hunter2' } }, 'connecting');
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines[0])).not.toContain('hunter2');
  });
});

describe('createMetricsRegistry', () => {
  it('collects the default metrics with the service label', async () => {
    const text = await createMetricsRegistry('scorer').metrics();
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="scorer"\} \d/m);
    expect(text).toContain('nodejs_eventloop_lag_seconds{service="scorer"}');
  });
});

describe('startHttpServer', () => {
  it('listens on a chosen free port and answers /healthz', async () => {
    const { server, url } = await start();
    expect(server.port).toBeGreaterThan(0);
    const res = await fetch(url('/healthz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 or 503 as ready() says', async () => {
    let ready = false;
    const { url } = await start({ ready: async () => ready });
    let res = await fetch(url('/readyz'));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not_ready' });
    ready = true;
    res = await fetch(url('/readyz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready' });
    ready = false;
    expect((await fetch(url('/readyz'))).status).toBe(503);
  });

  it('counts a failing readiness check as not ready and logs it', async () => {
    const { url, lines } = await start({
      ready: () => {
        throw new Error('redis down');
      },
    });
    const res = await fetch(url('/readyz'));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not_ready' });
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', err: expect.objectContaining({ message: 'redis down' }) }));
  });

  it('serves Prometheus text with default metrics and the request histogram by route pattern', async () => {
    const { url, registry, settled } = await start({
      routes: (app) => {
        app.get('/v1/customers/:customerId', async (request) => ({ id: (request.params as { customerId: string }).customerId }));
      },
    });
    expect((await fetch(url('/v1/customers/c-4242'))).status).toBe(200);
    expect((await fetch(url('/no/such/path-777'))).status).toBe(404);
    await (await fetch(url('/healthz'))).text();
    await settled(3);

    const res = await fetch(url('/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^process_resident_memory_bytes\{service="test-svc"\} \d/m);
    expect(text).toContain(`# TYPE ${HTTP_REQUEST_DURATION_METRIC} histogram`);
    const count = (labels: string) =>
      new RegExp(`^${HTTP_REQUEST_DURATION_METRIC}_count\\{service="test-svc",${labels}\\} 1$`, 'm');
    expect(text).toMatch(count('route="/v1/customers/:customerId",method="GET",status_code="200"'));
    expect(text).toMatch(count('route="unmatched",method="GET",status_code="404"'));
    expect(text).toMatch(count('route="/healthz",method="GET",status_code="200"'));
    expect(text).not.toContain('c-4242');
    expect(text).not.toContain('path-777');
  });

  it('logs handler errors but not every request', async () => {
    const { url, lines, settled } = await start({
      routes: (app) => {
        app.get('/boom', async () => {
          throw new Error('kaboom');
        });
      },
    });
    expect((await fetch(url('/boom'))).status).toBe(500);
    expect((await fetch(url('/healthz'))).status).toBe(200);
    expect((await fetch(url('/missing'))).status).toBe(404);
    await settled(3);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ service: 'test-svc', component: 'http', err: { message: 'kaboom' } });
    expect(lines.map((l) => l.msg)).not.toContain('incoming request');
    expect(lines.map((l) => l.msg)).not.toContain('request completed');
    expect(lines.some((l) => l.msg?.includes('not found'))).toBe(false);
  });

  it('frees the port on close(), which may be called twice', async () => {
    const { server, url } = await start();
    expect((await fetch(url('/healthz'))).status).toBe(200);
    expect(await canListen(server.port)).toBe(false);
    await server.close();
    await server.close();
    expect(await canListen(server.port)).toBe(true);
  });

  it('rejects a port in use and can start again on the same registry', async () => {
    const first = await start();
    await expect(
      startHttpServer({ port: first.server.port, host: '127.0.0.1', logger: capturedLogger().logger, registry: first.registry, ready: () => true }),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' });
    const port = first.server.port;
    await first.server.close();
    const again = await startHttpServer({ port, host: '127.0.0.1', logger: capturedLogger().logger, registry: first.registry, ready: () => true });
    running.push(again);
    expect(again.port).toBe(port);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});
