import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@bondstream/testkit';
import { collect, root, startStack, TOPICS, type Stack } from './harness.js';

/** The compiled simulate CLI against the mock broker: paced publishing and ground-truth labels. */
describe('simulate CLI publishing to Kafka', () => {
  let stack: Stack;
  const tmp = mkdtempSync(join(tmpdir(), 'simulate-e2e-'));
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('publishes every event at the given rate, keyed by customer, with a label per customer', async () => {
    const labels = join(tmp, 'labels.jsonl');
    const started = performance.now();
    const { stdout } = await promisify(execFile)(process.execPath, [
      `${root}packages/simulator/dist/cli.js`, '--brokers', stack.kafka.brokers, '--idempotent', 'false',
      '--customers', '8', '--days', '120', '--seed', '4', '--tenant', 'sim', '--rate', '40', '--labels', labels,
    ]);
    const seconds = (performance.now() - started) / 1000;
    const [, sent, orders, interactions] = /(\d+) events \((\d+) orders, (\d+) interactions\)/.exec(stdout) ?? [];
    expect(Number(sent)).toBe(Number(orders) + Number(interactions));
    expect(Number(sent)).toBeGreaterThan(30);
    expect(seconds).toBeGreaterThanOrEqual((Number(sent) / 40) * 0.9); // paced, not as fast as possible

    const shoppers = readFileSync(labels, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { customerId: string; expected: string });
    expect(shoppers).toHaveLength(8);
    const out = await collect(stack.kafka.brokers, [TOPICS.orders, TOPICS.interactions]);
    try {
      const messages = await waitFor('every simulated event on the topics', () => (out.messages.length >= Number(sent) ? out.messages : undefined), { timeoutMs: 30_000 });
      expect(messages).toHaveLength(Number(sent));
      const events = messages.map((m) => ({ key: m.key, topic: m.topic, event: JSON.parse(m.value!.toString()) as { customerId: string; type: string; tenantId: string } }));
      expect(events.every(({ key, event }) => key === event.customerId && event.tenantId === 'sim')).toBe(true);
      expect(events.filter((e) => e.topic === TOPICS.interactions).every((e) => e.event.type === 'interaction')).toBe(true);
      expect(new Set(events.map((e) => e.event.customerId))).toEqual(new Set(shoppers.map((s) => s.customerId)));
    } finally {
      await out.stop();
    }
  }, 60_000);
});
