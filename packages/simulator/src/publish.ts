import { setTimeout as sleep } from 'node:timers/promises';
import type { Message, Producer, TopicMessages } from 'kafkajs';
import type { InputEvent } from './types.js';

export interface PublishTopics {
  orders: string;
  interactions: string;
}

export const DEFAULT_PUBLISH_TOPICS: PublishTopics = { orders: 'crm.orders.v1', interactions: 'crm.interactions.v1' };

export interface PublishProgress {
  sent: number;
  total: number;
  elapsedMs: number;
}

export interface PublishOptions {
  topics: PublishTopics;
  /** Events per second; omitted (or Infinity) = as fast as the producer acknowledges. */
  rate?: number;
  /** Most events per send (default 500); with a rate, batches are sized to about 50 ms of it. */
  batchSize?: number;
  /** Called after every acknowledged batch. */
  onProgress?: (progress: PublishProgress) => void;
  /** Stops between batches; what was acknowledged so far stays published. */
  signal?: AbortSignal;
}

export interface PublishResult {
  sent: number;
  orders: number;
  interactions: number;
  elapsedMs: number;
  /** True when the signal stopped publishing before every event was sent. */
  aborted: boolean;
}

/** Only what publishing needs of a kafkajs producer (so tests can pass a fake). */
export type EventProducer = Pick<Producer, 'sendBatch'>;

export function topicFor(event: InputEvent, topics: PublishTopics): string {
  return event.type === 'interaction' ? topics.interactions : topics.orders;
}

/** One Kafka message per event: keyed by customerId (one customer stays on one partition), JSON value. */
export function toMessage(event: InputEvent): Message {
  return { key: event.customerId, value: JSON.stringify(event) };
}

/**
 * Publishes events in order, batch by batch, waiting for each batch's acknowledgement before
 * the next: events of one customer keep their order on their partition. With `rate`, sending
 * is paced against the start time, so the average rate holds even when a batch was slow.
 */
export async function publishEvents(
  producer: EventProducer,
  events: readonly InputEvent[],
  options: PublishOptions,
): Promise<PublishResult> {
  const { topics, rate, signal, onProgress } = options;
  const maxBatch = options.batchSize ?? 500;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`batchSize must be a positive integer, got ${maxBatch}`);
  if (rate !== undefined && !(rate > 0)) throw new RangeError(`rate must be > 0 events/s, got ${rate}`);
  const paced = rate !== undefined && Number.isFinite(rate);
  const batchSize = paced ? Math.max(1, Math.min(maxBatch, Math.ceil(rate / 20))) : maxBatch;

  const started = performance.now();
  let sent = 0;
  let orders = 0;
  let interactions = 0;
  while (sent < events.length && !signal?.aborted) {
    const batch = events.slice(sent, sent + batchSize);
    const byTopic = new Map<string, Message[]>();
    for (const event of batch) {
      const topic = topicFor(event, topics);
      let messages = byTopic.get(topic);
      if (!messages) byTopic.set(topic, (messages = []));
      messages.push(toMessage(event));
      if (event.type === 'interaction') interactions += 1;
      else orders += 1;
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    await producer.sendBatch({ topicMessages });
    sent += batch.length;
    onProgress?.({ sent, total: events.length, elapsedMs: performance.now() - started });

    if (paced && sent < events.length) {
      const wait = started + (sent / rate) * 1000 - performance.now();
      if (wait > 0) {
        try {
          await sleep(wait, undefined, { signal });
        } catch {
          break; // aborted while waiting
        }
      }
    }
  }
  return { sent, orders, interactions, elapsedMs: performance.now() - started, aborted: sent < events.length };
}
