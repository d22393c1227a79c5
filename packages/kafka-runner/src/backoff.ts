/** Exponential backoff with full jitter, capped. */
export function backoffMs(attempt: number, minMs = 100, maxMs = 10_000): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 20));
  return Math.round(minMs / 2 + Math.random() * (ceiling - minMs / 2));
}

/**
 * Resolves after `ms`, or earlier when `wake` is called; never keeps the process alive. A wake
 * that arrives while nobody waits is remembered, so work signalled during a busy cycle is not
 * left for the next poll.
 */
export class Waiter {
  private wakeUp: (() => void) | null = null;
  private pending = false;

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wakeUp = done;
    });
  }

  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.pending = true;
  }
}
