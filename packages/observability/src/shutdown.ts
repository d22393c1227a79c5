import type { Logger } from 'pino';

/**
 * Stops a service in order on SIGTERM or SIGINT: `stop` runs once (a second signal is ignored),
 * then the process exits 0, or 1 when `stop` fails or takes longer than `graceMs` (less than
 * the 30 s orchestrators usually wait before SIGKILL).
 */
export function exitOnSignals(service: string, logger: Logger, stop: () => Promise<void>, graceMs = 25_000): void {
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${service} stopping`);
    const force = setTimeout(() => {
      logger.error('shutdown took too long, exiting');
      process.exit(1);
    }, graceMs);
    force.unref();
    try {
      await stop();
      logger.info(`${service} stopped`);
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'unclean shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
