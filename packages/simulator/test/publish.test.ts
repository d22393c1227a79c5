import { describe, expect, it } from 'vitest';
import type { ProducerBatch } from 'kafkajs';
import { DAY_MS, generateShoppers, publishEvents, type EventProducer } from '../src/index.js';

const END = Date.parse('2026-03-01T12:00:00Z');
const { events } = generateShoppers({ seed: 3, customers: 20, tenantId: 'demo', startMs: END - 400 * DAY_MS, endMs: END });
const topics = { orders: 'orders.t', interactions: 'interactions.t' };

function fakeProducer(): EventProducer & { batches: ProducerBatch[] } {
  const batches: ProducerBatch[] = [];
  return {
    batches,
    async sendBatch(batch: ProducerBatch) {
      batches.push(batch);
      return [];
    },
  };
}

describe('publishEvents', () => {
  it('sends every event once, in order, keyed by customerId, orders and interactions to their topics', async () => {
    const producer = fakeProducer();
    const progress: number[] = [];
    const result = await publishEvents(producer, events, { topics, batchSize: 100, onProgress: (p) => progress.push(p.sent) });

    const sent = producer.batches.flatMap((b) => b.topicMessages!.flatMap((tm) => tm.messages.map((m) => ({ topic: tm.topic, m }))));
    expect(sent).toHaveLength(events.length);
    for (const { topic, m } of sent) {
      const event = JSON.parse(String(m.value));
      expect(m.key).toBe(event.customerId);
      expect(topic).toBe(event.type === 'interaction' ? 'interactions.t' : 'orders.t');
    }
    // Per topic, the original order is kept (so per customer and partition too).
    for (const topic of Object.values(topics)) {
      const ids = sent.filter((s) => s.topic === topic).map((s) => JSON.parse(String(s.m.value)).eventId);
      const expected = events.filter((e) => (e.type === 'interaction' ? topics.interactions : topics.orders) === topic).map((e) => e.eventId);
      expect(ids).toEqual(expected);
    }
    expect(producer.batches.length).toBe(Math.ceil(events.length / 100));
    expect(progress.at(-1)).toBe(events.length);
    expect(result).toMatchObject({ sent: events.length, aborted: false });
    expect(result.orders + result.interactions).toBe(events.length);
    expect(result.interactions).toBe(events.filter((e) => e.type === 'interaction').length);
  });

  it('paces to the requested rate', async () => {
    const producer = fakeProducer();
    const result = await publishEvents(producer, events.slice(0, 60), { topics, rate: 200 });
    // 60 events at 200/s: the last batch may go at ~0.25 s.
    expect(result.elapsedMs).toBeGreaterThanOrEqual(200);
    expect(result.elapsedMs).toBeLessThan(1_500);
    expect(producer.batches.length).toBe(6); // 10 events per 50 ms
  });

  it('stops between batches when aborted and reports what was sent', async () => {
    const producer = fakeProducer();
    const controller = new AbortController();
    const result = await publishEvents(producer, events, {
      topics,
      rate: 100,
      signal: controller.signal,
      onProgress: ({ sent }) => {
        if (sent >= 20) controller.abort();
      },
    });
    expect(result.aborted).toBe(true);
    expect(result.sent).toBe(20);
  });

  it('propagates a producer failure', async () => {
    const failing: EventProducer = {
      sendBatch: async () => {
        throw new Error('broker down');
      },
    };
    await expect(publishEvents(failing, events, { topics })).rejects.toThrow('broker down');
  });

  it('rejects a bad rate or batch size', async () => {
    await expect(publishEvents(fakeProducer(), events, { topics, rate: 0 })).rejects.toThrow(/rate/);
    await expect(publishEvents(fakeProducer(), events, { topics, batchSize: 0 })).rejects.toThrow(/batchSize/);
  });
});
