import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs, one object per line on stdout: `{"level":"info","time":"<ISO-8601>",
 * "service":"scorer","msg":...}`. Levels are written as names (not pino's numbers) so that any
 * log pipeline can filter on them. Fields named like credentials are redacted as a safety net.
 * `destination` is for tests; services leave it out.
 */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [
        'password',
        '*.password',
        'apiToken',
        '*.apiToken',
        'req.headers.authorization',
        'headers.authorization',
      ],
      censor: '[redacted]',
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
