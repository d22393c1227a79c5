import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@bondstream/testkit';
import {
  collect, kcatProduce, startService, startStack, TOPICS, waitForOutcomes, writePolicyFile,
  type RunningService, type Stack,
} from './harness.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1, 12);
const DWELL_DAYS = 7;
const DAYS = 42;

/**
 * Issue 3: a customer hovering at a cut point does not flip back and forth. One customer's
 * window profit crosses the policy's minProfit (50) every day for six weeks: an order of 110
 * lifts it to 155, a refund of 110 (+5 handling) drops it to 45. Each event is its own batch
 * (sent and applied one by one), with the event clock and a 7-day minimum dwell.
 */
describe('hysteresis through the running scorer: a customer oscillating around a cut point', () => {
  let stack: Stack;
  let scorer: RunningService;
  let out: Awaited<ReturnType<typeof collect>>;

  beforeAll(async () => {
    stack = await startStack();
    const policy = writePolicyFile('hysteresis', { hysteresis: { margin: 0, minDwellDays: DWELL_DAYS } });
    scorer = await startService('scorer', stack, { CRM_CLOCK: 'event', CRM_POLICY_FILE: policy });
    out = await collect(stack.kafka.brokers, [TOPICS.segmentChanges]);
  });
  afterAll(async () => {
    await out?.stop();
    await scorer?.stop();
    await stack?.stop();
  });

  it(`sees at most one relationship change per ${DWELL_DAYS}-day dwell, though the profit crosses the cut daily`, async () => {
    const event = (day: number, type: 'order.placed' | 'order.refunded', amount: number) => ({
      key: 'osc-1',
      value: JSON.stringify({
        eventId: `osc-${day}-${type}`, type, tenantId: 'default', customerId: 'osc-1', orderId: `o-${day}`,
        occurredAt: new Date(T0 + day * DAY).toISOString(), currency: 'USD', amount, cost: 0,
      }),
    });
    const sequence = [event(0, 'order.placed', 160)];
    for (let day = 1; day <= DAYS; day++) sequence.push(day % 2 === 1 ? event(day, 'order.refunded', 110) : event(day, 'order.placed', 110));
    for (const [i, record] of sequence.entries()) {
      await kcatProduce(stack.kafka.brokers, TOPICS.orders, [record]);
      await waitForOutcomes(scorer.url, i + 1, 30_000);
    }

    const changes = await waitFor('the first assignment on the output topic', () => {
      const relationship = out.messages
        .map((m) => JSON.parse(m.value!.toString()) as { customerId: string; dimension: string; from: string | null; to: string; occurredAt: string })
        .filter((e) => e.customerId === 'osc-1' && e.dimension === 'relationship');
      return relationship.some((e) => e.from === null) ? relationship : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    const times = changes.map((e) => Date.parse(e.occurredAt)).sort((a, b) => a - b);
    const flips = changes.filter((e) => e.from !== null);
    // without the dwell it would change 42 times; with it, at most once per dwell period
    expect(flips.length).toBeGreaterThanOrEqual(2);
    expect(flips.length).toBeLessThanOrEqual(Math.ceil(DAYS / DWELL_DAYS));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(DWELL_DAYS * DAY);
    expect(new Set(flips.map((e) => `${e.from}->${e.to}`))).toEqual(new Set(['butterfly->stranger', 'stranger->butterfly']));
  }, 180_000);
});
