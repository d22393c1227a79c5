import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** True when the module at `moduleUrl` is the program (`node dist/cli.js`, or a bin symlink to it). */
export function isEntryPoint(moduleUrl: string, script = process.argv[1]): boolean {
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/**
 * Runs a CLI's `main` as the program: the first Ctrl-C (or SIGTERM) aborts the signal it gets,
 * so it can stop cleanly after the work in flight; a second one exits at once with 130. The
 * resolved number becomes the exit code; an unexpected error is printed with its stack, exit 1.
 */
export function runProgram(
  name: string,
  main: (argv: string[], signal: AbortSignal) => Promise<number>,
  { stopping, signals = ['SIGINT'] }: { stopping: string; signals?: readonly NodeJS.Signals[] },
): void {
  const controller = new AbortController();
  for (const signal of signals) {
    process.once(signal, () => {
      process.stderr.write(`${name}: ${stopping} (${signal} again to quit now)\n`);
      controller.abort();
      process.once(signal, () => process.exit(130));
    });
  }
  main(process.argv.slice(2), controller.signal).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

/** Bad usage: the message names the flag; the program exits 2. */
export class UsageError extends Error {}

/**
 * Runs a CLI's argument parser: `'help'` prints the usage (exit 0), a UsageError prints its
 * message and a pointer to --help (exit 2). Returns the parsed options, or the exit code.
 */
export function parseCommandLine<T>(
  name: string,
  usage: string,
  parse: () => T | 'help',
  io: { stdout: (text: string) => void; stderr: (text: string) => void },
): T | { exitCode: number } {
  try {
    const parsed = parse();
    if (parsed !== 'help') return parsed;
    io.stdout(`${usage}\n`);
    return { exitCode: 0 };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`${name}: ${error.message}\nRun "${name} --help" for the options.\n`);
    return { exitCode: 2 };
  }
}

type FlagSpec = { type: 'string' | 'boolean'; short?: string };
/** The values of flags: strings and booleans as declared, each absent unless given. */
export type Flags<O extends Record<string, FlagSpec>> = { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };

/** node:util parseArgs, strict and without positionals; an unknown or malformed flag is a UsageError. */
export function parseFlags<const O extends Record<string, FlagSpec>>(argv: string[], options: O): Flags<O> {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values as Flags<O>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
