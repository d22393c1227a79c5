import { backoffMs, Waiter } from './backoff.js';

/**
 * Runs `step` over and over in the background: at once again while it finds work (returns > 0),
 * after `idleMs` or a wake() when it found none, and with backoff after a failure (reported to
 * `onError`, never thrown). The loop of the outbox relay and the webhook worker.
 */
export class PollingLoop {
  private active = false;
  private loop: Promise<void> | null = null;
  private readonly waiter = new Waiter();
  /** only stop() cuts a linger short; new work does not */
  private readonly lingerWaiter = new Waiter();

  /**
   * `lingerMs`: after a step that found work, the next one starts no sooner than this long after
   * that step started, so that under load each step takes what gathered meanwhile (like a
   * producer's linger.ms) instead of running back to back on a trickle. The time the step itself
   * took counts: a step that took longer than the linger is followed at once (the work gathered
   * while it ran), and a short one waits only for the rest of the linger. After an idle wait,
   * wake() still runs the step at once.
   */
  constructor(
    private readonly step: () => Promise<number>,
    private readonly onError: (error: unknown) => void,
    private readonly idleMs = 100,
    private readonly lingerMs = 0,
  ) {}

  get running(): boolean {
    return this.active;
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.loop = this.run();
  }

  /** Work arrived: run the step now instead of at the next poll. */
  wake(): void {
    this.waiter.wake();
  }

  /** Resolves when the step in progress (if any) has finished; no step starts afterwards. */
  async stop(): Promise<void> {
    this.active = false;
    this.waiter.wake();
    this.lingerWaiter.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.active) {
      try {
        const startedAt = performance.now();
        const done = await this.step();
        failures = 0;
        const lingerLeft = startedAt + this.lingerMs - performance.now();
        if (done === 0) await this.waiter.wait(this.idleMs);
        else if (lingerLeft > 0) await this.lingerWaiter.wait(lingerLeft);
      } catch (error) {
        this.onError(error);
        await this.waiter.wait(backoffMs(failures++));
      }
    }
  }
}
