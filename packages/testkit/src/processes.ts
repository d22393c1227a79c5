import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Every child a test started; killed when the test process exits, however it exits. */
const children = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

export function track(child: ChildProcess): ChildProcess {
  installExitHook();
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Stops a child: SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      server.close(() => resolve(address.port));
    });
  });
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 30_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves with the first stdout line matching `pattern`, rejects if the child exits first. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    const timer = setTimeout(() => finish(new Error(`timed out waiting for ${pattern}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        const match = line.match(pattern);
        if (match) return finish(undefined, match);
      }
    };
    const onErr = (chunk: Buffer): void => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
    };
    const onExit = (code: number | null): void =>
      finish(new Error(`process exited (${code}) before printing ${pattern}: ${stderr}`));
    function finish(error?: Error, match?: RegExpMatchArray): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(match as RegExpMatchArray);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onErr);
    child.once('exit', onExit);
  });
}

export function spawnTracked(command: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  return track(spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env }));
}

/**
 * spawnTracked, and the child also dies when this process dies in a way no hook sees (SIGKILL,
 * the OOM killer): util-linux's `setpriv --pdeathsig KILL` asks the kernel to SIGKILL the child
 * when its parent goes, then execs `command`, so the child's pid is the command's own and
 * `child.kill()` reaches it directly. The kernel ties this to the thread that spawned the child:
 * spawned from a worker thread, the child dies when that thread ends.
 */
export function spawnBoundToParent(command: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  return spawnTracked('setpriv', ['--pdeathsig', 'KILL', '--', command, ...args], env);
}
