export { createLogger, type Logger } from './logger.js';
export {
  createMetricsRegistry,
  httpRequestDuration,
  instrumentHttp,
  HTTP_REQUEST_DURATION_METRIC,
  UNMATCHED_ROUTE,
  type HttpLabel,
  type Registry,
} from './metrics.js';
export { startHttpServer, type HttpServerOptions, type RunningHttpServer } from './http.js';
export { exitOnSignals } from './shutdown.js';
