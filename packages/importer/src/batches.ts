import type { Message, Producer } from 'kafkajs';

/** Only what importing needs of a kafkajs producer. */
export type OrderProducer = Pick<Producer, 'send'>;

interface InFlight<M> {
  /** what the checkpoint may say once this batch (and every one before it) is acknowledged */
  mark: M;
  produced: number;
  ack: Promise<unknown>;
}

/**
 * Produce requests with acks=all, up to `maxInFlight` unacknowledged at once, acknowledged in the
 * order they were sent: `onAcknowledged` sees each batch's mark only after every earlier batch
 * was acknowledged, so a checkpoint written there never skips a batch that might be lost.
 */
export class Batches<M> {
  private messages: Message[] = [];
  private readonly inFlight: InFlight<M>[] = [];

  constructor(
    private readonly producer: OrderProducer,
    private readonly topic: string,
    private readonly maxInFlight: number,
    private readonly onAcknowledged: (mark: M, produced: number) => void,
  ) {}

  get pending(): number {
    return this.messages.length;
  }

  push(message: Message): void {
    this.messages.push(message);
  }

  /**
   * Sends the pending messages as one batch (none: the mark still moves after the earlier
   * batches, e.g. over bad rows), then waits while too many batches are in flight.
   */
  async cut(mark: M): Promise<void> {
    const batch = this.messages;
    this.messages = [];
    const ack = batch.length === 0 ? Promise.resolve() : this.producer.send({ topic: this.topic, acks: -1, messages: batch });
    ack.catch(() => undefined); // awaited in order by settleOldest; this only keeps it from being unhandled meanwhile
    this.inFlight.push({ mark, produced: batch.length, ack });
    while (this.inFlight.length >= this.maxInFlight) await this.settleOldest();
  }

  private async settleOldest(): Promise<void> {
    const oldest = this.inFlight[0] as InFlight<M>;
    await oldest.ack;
    this.inFlight.shift();
    this.onAcknowledged(oldest.mark, oldest.produced);
  }

  /** Waits for every batch in flight; throws at the first one that failed. */
  async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.settleOldest();
  }

  /**
   * After an error: keeps what was acknowledged by settling in order up to the first failed
   * batch. That batch and everything after it are sent again by the next run.
   */
  async drainAfterFailure(): Promise<void> {
    try {
      await this.drain();
    } catch {
      // the failure that matters is the one being thrown by the caller
    }
  }
}
