/**
 * Runs `load` and returns its result. If it throws (a ConfigError or anything else), prints
 * `bondstream: configuration error: <message>` to stderr and exits with status 2, so that a
 * misconfigured service stops at once with a readable reason instead of a stack trace.
 */
export function loadConfigOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`bondstream: configuration error: ${message}\n`);
    return process.exit(2);
  }
}
