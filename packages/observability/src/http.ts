import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { instrumentHttp } from './metrics.js';

export interface HttpServerOptions {
  port: number;
  /** Interface to listen on; default 0.0.0.0 so that Prometheus and probes can reach it in a container. */
  host?: string;
  logger: Logger;
  registry: Registry;
  /** Readiness for /readyz; a throw or rejection counts as not ready. */
  ready: () => boolean | Promise<boolean>;
  /** Registers the service's own routes (after the built-in ones and the instrumentation). */
  routes?: (app: FastifyInstance) => void | Promise<void>;
}

export interface RunningHttpServer {
  app: FastifyInstance;
  /** The bound port (the chosen one when `port` was 0). */
  port: number;
  /** Stops listening and closes connections; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Fastify's per-request lines ("incoming request", "request completed", "route not found")
 * are too noisy for probes and scrapes every few seconds, so they are dropped; errors (5xx from
 * handlers, broken responses, serializer failures) are still logged, which the plain
 * `disableRequestLogging` option would suppress too.
 */
class QuietRequestLogs extends LogController {
  override incomingRequest(): void {}

  override routeNotFound(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) super.requestCompleted(error, request, reply);
  }
}

/**
 * Starts the HTTP server every service runs: GET /metrics (Prometheus text format), GET /healthz
 * (200 while the process runs), GET /readyz (200 or 503 according to `ready()`), plus `routes`.
 * Every response is timed into `bondstream_http_request_duration_seconds`.
 */
export async function startHttpServer(o: HttpServerOptions): Promise<RunningHttpServer> {
  const log = o.logger.child({ component: 'http' });
  // Typed as Fastify's base logger so the instance is the plain FastifyInstance services expect.
  const loggerInstance: FastifyBaseLogger = log;
  const app = Fastify({ loggerInstance, logController: new QuietRequestLogs() });

  instrumentHttp(app, o.registry);

  app.get('/metrics', async (_request, reply) => {
    const body = await o.registry.metrics();
    return reply.header('content-type', o.registry.contentType).send(body);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    let ready = false;
    try {
      ready = (await o.ready()) === true;
    } catch (err) {
      log.warn({ err }, 'readiness check failed');
    }
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready' });
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= app.close());

  try {
    await o.routes?.(app);
    await app.listen({ port: o.port, host: o.host ?? '0.0.0.0' });
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }

  const port = (app.server.address() as AddressInfo).port;
  return { app, port, close };
}
