import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';

export type { Registry } from 'prom-client';

/**
 * A registry for one service: the default process and Node.js metrics (CPU, memory, event-loop
 * lag, GC, handles, ...) and the label `service` on every series.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export const HTTP_REQUEST_DURATION_METRIC = 'bondstream_http_request_duration_seconds';
/** The `route` label of requests that matched no route (404s): never the raw URL. */
export const UNMATCHED_ROUTE = 'unmatched';

export type HttpLabel = 'route' | 'method' | 'status_code';

/** The HTTP request-duration histogram of `registry`, registered on first use. */
export function httpRequestDuration(registry: Registry): Histogram<HttpLabel> {
  const existing = registry.getSingleMetric(HTTP_REQUEST_DURATION_METRIC);
  if (existing instanceof Histogram) return existing as Histogram<HttpLabel>;
  return new Histogram<HttpLabel>({
    name: HTTP_REQUEST_DURATION_METRIC,
    help: 'Time to answer an HTTP request, by route pattern, method and status code.',
    labelNames: ['route', 'method', 'status_code'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
}

/**
 * Times every response of `app` into the request-duration histogram. The `route` label is the
 * route pattern (`/v1/customers/:customerId`), never the URL, so customer ids (and scanners'
 * random paths) cannot become label values. Call before registering routes and plugins so
 * they inherit the hook.
 */
export function instrumentHttp(app: FastifyInstance, registry: Registry): void {
  const histogram = httpRequestDuration(registry);
  app.addHook('onResponse', async (request, reply) => {
    histogram.observe(
      {
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        method: request.method,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}
