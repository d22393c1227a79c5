import type { Producer } from 'kafkajs';
import type { DeadLetter } from './messages.js';

/**
 * Publishes dead letters: the original key and bytes unchanged, the original headers kept, plus
 * error.reason, error.detail, source.topic, source.partition, source.offset (DESIGN section 3).
 * Resolves only when the DLQ acknowledged them (acks=all), so the source offset may then be
 * committed.
 */
export class DeadLetterPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  async publish(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: letters.map(({ message, reason, detail }) => ({
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          'error.reason': reason,
          'error.detail': detail.slice(0, 1_000),
          'source.topic': message.topic,
          'source.partition': String(message.partition),
          'source.offset': message.offset,
        },
      })),
    });
  }
}
