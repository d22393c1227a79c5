import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeySpace } from '@bondstream/redis-state';
import { decodeCustomerAction, type CustomerAction, type SegmentChangeEvent } from '@bondstream/contracts';
import { waitFor } from '@bondstream/testkit';
import {
  collect, kcatProduce, metricValue, startService, startStack, TOPICS, waitForCommittedEnd,
  type RunningService, type Stack,
} from './harness.js';
import { signatureIsValid, startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

const SECRET = 'test-webhook-secret-0123456789abcdef';
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1, 12);

let changeSeq = 0;
function change(customerId: string, dimension: SegmentChangeEvent['dimension'], from: string | null, to: string, atMs: number): SegmentChangeEvent {
  changeSeq += 1;
  const at = new Date(atMs).toISOString();
  return {
    eventId: `chg-${customerId}-${changeSeq}`, tenantId: 'shop-1', customerId, dimension, from, to,
    occurredAt: at, emittedAt: at, cause: { kind: 'event', eventId: `ord-${changeSeq}` },
    scores: { recencyDays: 0, frequency: 3, monetary: 300, profit: 120, loyalty: 0.7, r: 5, f: 4, m: 4, pAlive: null, clv: null },
    stateVersion: changeSeq,
  };
}
const records = (changes: readonly SegmentChangeEvent[]) => changes.map((c) => ({ key: c.customerId, value: JSON.stringify(c) }));

async function actionsOn(messages: { value: Buffer | null }[]): Promise<CustomerAction[]> {
  return Promise.all(messages.map((m) => decodeCustomerAction(m.value as Buffer)));
}

/**
 * The actions service as a process, fed segment changes by kcat (an independent client), with
 * a real HTTP webhook receiver that fails the first two attempts of every action.
 */
describe('actions service: topic output, idempotency, cooldown, webhooks with retries', () => {
  let stack: Stack;
  let actions: RunningService;
  let receiver: WebhookReceiver;
  let out: Awaited<ReturnType<typeof collect>>;

  beforeAll(async () => {
    stack = await startStack();
    receiver = await startWebhookReceiver((attempt) => (attempt <= 2 ? 503 : 204));
    actions = await startService('actions', stack, {
      WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET, WEBHOOK_MAX_ATTEMPTS: '4',
      WEBHOOK_BACKOFF_MS: '100', WEBHOOK_MAX_BACKOFF_MS: '400', WEBHOOK_TIMEOUT_MS: '2000',
    });
    out = await collect(stack.kafka.brokers, [TOPICS.actions, TOPICS.dlq]);
  });
  afterAll(async () => {
    await out?.stop();
    await actions?.stop();
    await receiver?.stop();
    await stack?.stop();
  });

  const first = [
    change('c-1', 'relationship', 'butterfly', 'true_friend', T0),
    change('c-2', 'relationship', 'stranger', 'butterfly', T0),
    change('c-3', 'relationship', 'true_friend', 'barnacle', T0),
    change('c-4', 'relationship', null, 'stranger', T0), // a new customer: no downgrade
    change('c-4', 'pyramid', null, 'small', T0), // no rule
  ];
  const onTopic = () => out.messages.filter((m) => m.topic === TOPICS.actions);

  it('publishes the policy\'s action per transition, none for a first assignment as stranger, and dead-letters junk', async () => {
    await kcatProduce(stack.kafka.brokers, TOPICS.segmentChanges, [...records(first), { key: 'c-9', value: '{"not json' }]);
    await waitFor('3 actions on the topic', () => (onTopic().length >= 3 ? true : undefined), { timeoutMs: 30_000 });
    const published = await actionsOn(onTopic());
    expect(published.map((a) => [a.customerId, a.action, a.reason, a.channel]).sort()).toEqual([
      ['c-1', 'enroll_loyalty_program', 'relationship:butterfly->true_friend', 'direct_mail'],
      ['c-2', 'short_term_offer', 'relationship:stranger->butterfly', 'app'],
      ['c-3', 'reduce_cost_to_serve', 'relationship:true_friend->barnacle', 'web'],
    ]);
    const c1 = published.find((a) => a.customerId === 'c-1')!;
    expect(c1).toMatchObject({ tenantId: 'shop-1', priority: 2, occurredAt: '2026-06-01T12:00:00Z', expiresAt: '2026-07-01T12:00:00Z', causeEventId: first[0]!.eventId });
    expect(onTopic().find((m) => m.key === 'c-1')).toBeDefined(); // keyed by customerId

    const letter = await waitFor('the dead letter', () => out.messages.find((m) => m.topic === TOPICS.dlq));
    expect(letter.headers['error.reason']).toBe('invalid_json');
    expect(letter.value?.toString()).toBe('{"not json');
    expect(await metricValue(actions.url, 'bondstream_actions_total', { outcome: 'no_rule' })).toBe(2);
    expect(await metricValue(actions.url, 'bondstream_actions_total', { action: 'short_term_offer', outcome: 'emitted' })).toBe(1);
  });

  it('delivers each action once to a webhook that fails twice first, signed, with its actionId as Idempotency-Key', async () => {
    const accepted = await waitFor('3 accepted deliveries', () => (receiver.accepted().size >= 3 ? receiver.accepted() : undefined), { timeoutMs: 30_000 });
    const published = await actionsOn(onTopic());
    expect([...accepted.keys()].sort()).toEqual(published.map((a) => a.actionId).sort());
    for (const [actionId, bodies] of accepted) {
      expect(bodies, actionId).toHaveLength(1);
      expect(JSON.parse(bodies[0]!)).toEqual(published.find((a) => a.actionId === actionId));
      const attempts = receiver.deliveries.filter((d) => d.headers['idempotency-key'] === actionId);
      expect(attempts.map((d) => d.status)).toEqual([503, 503, 204]);
      expect(attempts.map((d) => d.headers['x-bondstream-attempt'])).toEqual(['1', '2', '3']);
      for (const d of attempts) expect(signatureIsValid(SECRET, d), 'signature').toBe(true);
      // Exponential backoff: 50..100 ms before the second attempt, 50..200 ms before the third.
      const gaps = attempts.slice(1).map((d, i) => d.atMs - attempts[i]!.atMs);
      expect(gaps[0]).toBeGreaterThanOrEqual(45);
      expect(gaps[1]).toBeGreaterThanOrEqual(45);
    }
    expect(signatureIsValid('another-secret-0123456789abcdef', receiver.deliveries[0]!)).toBe(false);
    expect(await metricValue(actions.url, 'bondstream_webhook_failures_total', { reason: 'http_5xx' })).toBe(6);
    expect(await metricValue(actions.url, 'bondstream_webhook_delivered_total')).toBe(3);
    expect(await metricValue(actions.url, 'bondstream_webhook_dead_letters_total')).toBe(0);
  });

  it('produces no second action for re-delivered segment changes', async () => {
    const consumedBefore = await metricValue(actions.url, 'bondstream_events_consumed_total');
    await kcatProduce(stack.kafka.brokers, TOPICS.segmentChanges, records(first));
    await waitFor('the re-delivered changes consumed', async () =>
      ((await metricValue(actions.url, 'bondstream_events_consumed_total')) >= consumedBefore + first.length ? true : undefined));
    expect(await metricValue(actions.url, 'bondstream_events_consumed_total', { outcome: 'duplicate' })).toBe(3);
    expect(await metricValue(actions.url, 'bondstream_actions_total', { outcome: 'duplicate' })).toBe(3);
    await waitForCommittedEnd(stack.kafka.brokers, 'bondstream-actions', TOPICS.segmentChanges, 30_000);
    expect(await metricValue(actions.url, 'bondstream_actions_published_total')).toBe(3);
    expect(onTopic()).toHaveLength(3);
    expect(receiver.accepted().size).toBe(3);
  });

  it('holds the cooldown (30 days of event time) per customer and action, then lets the action through', async () => {
    const again = [
      change('c-1', 'relationship', 'barnacle', 'true_friend', T0 + 20 * DAY), // inside the cooldown
      change('c-2', 'relationship', 'stranger', 'butterfly', T0 + 29 * DAY), // inside the cooldown
      change('c-3', 'relationship', 'barnacle', 'stranger', T0 + 10 * DAY), // another action: no cooldown
      change('c-2', 'relationship', 'stranger', 'butterfly', T0 + 31 * DAY), // cooldown over
    ];
    await kcatProduce(stack.kafka.brokers, TOPICS.segmentChanges, records(again));
    await waitFor('5 actions on the topic', () => (onTopic().length >= 5 ? true : undefined), { timeoutMs: 30_000 });
    await waitForCommittedEnd(stack.kafka.brokers, 'bondstream-actions', TOPICS.segmentChanges, 30_000);
    expect(await metricValue(actions.url, 'bondstream_actions_total', { outcome: 'cooldown' })).toBe(2);
    const published = await actionsOn(onTopic());
    expect(published.slice(3).map((a) => [a.customerId, a.action, a.occurredAt]).sort()).toEqual([
      ['c-2', 'short_term_offer', new Date(T0 + 31 * DAY).toISOString().replace('.000Z', 'Z')],
      ['c-3', 'downgrade_service_level', new Date(T0 + 10 * DAY).toISOString().replace('.000Z', 'Z')],
    ]);
    expect(onTopic()).toHaveLength(5);
  });

  it('stops cleanly on SIGTERM, with nothing left in its action outbox or webhook queue', async () => {
    await waitFor('every action delivered', () => (receiver.accepted().size >= 5 ? true : undefined), { timeoutMs: 30_000 });
    await actions.stop();
    expect(actions.process.exitCode).toBe(0);
    // The log file is written through a pipe: its last lines may land just after the exit.
    const log = await waitFor('the last log line', () => (actions.log().includes('actions stopped') ? actions.log() : undefined), { timeoutMs: 5_000 });
    expect(log).not.toContain(SECRET);
    const redis = new Redis(stack.redis.url);
    try {
      const keyspace = new KeySpace('bs');
      const lengths = await Promise.all(keyspace.shardIds.map((shard) =>
        Promise.all([redis.xlen(keyspace.outbox(shard, 'actions-outbox')), redis.xlen(keyspace.outbox(shard, 'webhooks'))])));
      expect(lengths.flat().reduce((a, b) => a + b, 0)).toBe(0);
      // What was written there: the claims of the five emitted actions.
      expect(await redis.keys('bs:{s*}:ad:shop-1:*')).toHaveLength(3);
    } finally {
      redis.disconnect();
    }
  });
});

/**
 * A receiver that never answers: every attempt times out, the actions end in the DLQ, and
 * meanwhile the topic output and the consumer's commits carry on as if there were no webhook.
 */
describe('actions service with a webhook that never answers', () => {
  let stack: Stack;
  let actions: RunningService;
  let receiver: WebhookReceiver;
  const TIMEOUT_MS = 1_000;
  const ATTEMPTS = 3;

  beforeAll(async () => {
    stack = await startStack();
    receiver = await startWebhookReceiver(() => 'hang');
    actions = await startService('actions', stack, {
      WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET, WEBHOOK_MAX_ATTEMPTS: String(ATTEMPTS),
      WEBHOOK_BACKOFF_MS: '500', WEBHOOK_MAX_BACKOFF_MS: '1000', WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      // Fewer slots than actions: a full worker must not hold anything else up either.
      WEBHOOK_CONCURRENCY: '4',
    });
  });
  afterAll(async () => {
    await actions?.stop();
    await receiver?.stop();
    await stack?.stop();
  });

  it('publishes and commits promptly, then dead-letters every action after the last attempt', async () => {
    const changes = Array.from({ length: 8 }, (_, i) => change(`h-${i}`, 'relationship', 'stranger', 'butterfly', T0));
    const out = await collect(stack.kafka.brokers, [TOPICS.actions, TOPICS.dlq]);
    try {
      const producingAt = Date.now();
      await kcatProduce(stack.kafka.brokers, TOPICS.segmentChanges, records(changes));
      const sentAt = Date.now();
      console.log(`hanging webhook: kcat took ${sentAt - producingAt} ms`);
      // The whole retry schedule of one action is >= 3 timeouts (3 s) plus backoffs; the topic
      // output and the commit must not wait for any of it.
      await waitFor('8 actions published', async () =>
        ((await metricValue(actions.url, 'bondstream_actions_published_total')) >= 8 ? true : undefined), { timeoutMs: 1_500, intervalMs: 20 });
      const publishedMs = Date.now() - sentAt;
      await waitForCommittedEnd(stack.kafka.brokers, 'bondstream-actions', TOPICS.segmentChanges, 1_500);
      const committedMs = Date.now() - sentAt;
      expect(await metricValue(actions.url, 'bondstream_webhook_dead_letters_total')).toBe(0);
      console.log(`hanging webhook: actions published after ${publishedMs} ms, offsets committed after ${committedMs} ms`);

      const letters = await waitFor('8 dead letters', () => {
        const dlq = out.messages.filter((m) => m.topic === TOPICS.dlq);
        return dlq.length >= 8 ? dlq : undefined;
      }, { timeoutMs: 60_000, intervalMs: 100 });
      const deadLetteredMs = Date.now() - sentAt;
      console.log(`hanging webhook: all dead-lettered after ${deadLetteredMs} ms`);
      expect(deadLetteredMs).toBeGreaterThanOrEqual(ATTEMPTS * TIMEOUT_MS);

      const published = await actionsOn(out.messages.filter((m) => m.topic === TOPICS.actions));
      expect(published).toHaveLength(8);
      for (const letter of letters) {
        expect(letter.headers['error.reason']).toBe('webhook_failed');
        expect(letter.headers['error.detail']).toBe(`3 attempts, last: no answer within ${TIMEOUT_MS} ms`);
        expect(letter.headers['webhook.attempts']).toBe('3');
        const action = JSON.parse(letter.value!.toString()) as CustomerAction;
        expect(published.map((a) => a.actionId)).toContain(action.actionId);
        expect(letter.key).toBe(action.customerId);
      }
      expect(new Set(letters.map((l) => l.headers['action.id'])).size).toBe(8);
      expect(await metricValue(actions.url, 'bondstream_webhook_failures_total', { reason: 'timeout' })).toBe(24);
      expect(receiver.deliveries).toHaveLength(24);
    } finally {
      await out.stop();
    }
  }, 90_000);
});
