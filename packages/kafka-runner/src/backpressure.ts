import type { Logger } from 'pino';

/**
 * Pauses consumption while the outbox backlog is above `high` (the relay cannot publish, e.g.
 * Kafka is down) and resumes below `low`, so Redis does not fill with unpublished changes.
 * Every reading is also reported (the backlog gauge).
 */
export class OutboxBackPressure {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly backlog: () => Promise<number>,
    private readonly setPaused: (paused: boolean) => void,
    private readonly report: (backlog: number) => void,
    private readonly logger: Logger,
    private readonly limits = { high: 100_000, low: 20_000, checkEveryMs: 1_000 },
  ) {}

  /** The usual wiring: a service's consumer paused on its outbox's backlog, reported to a gauge. */
  static forConsumer(
    consumer: { setPaused(paused: boolean): void },
    outbox: { backlog(): Promise<number> },
    gauge: { set(value: number): void },
    logger: Logger,
  ): OutboxBackPressure {
    return new OutboxBackPressure(() => outbox.backlog(), (paused) => consumer.setPaused(paused), (waiting) => gauge.set(waiting), logger);
  }

  start(): void {
    let paused = false;
    this.timer = setInterval(() => {
      this.backlog()
        .then((waiting) => {
          this.report(waiting);
          if (!paused && waiting > this.limits.high) paused = true;
          else if (paused && waiting < this.limits.low) paused = false;
          else return;
          this.setPaused(paused);
        })
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not read the outbox backlog'));
    }, this.limits.checkEveryMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
