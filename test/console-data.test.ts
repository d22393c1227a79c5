import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCustomerAction } from '@bondstream/contracts';
import { generateShoppers, publishEvents } from '@bondstream/simulator';
import { eventClockSettled, openStateLayout } from '@bondstream/redis-state';
import { waitFor } from '@bondstream/testkit';
import { collect, metricValue, startService, startStack, TOPICS, waitForCommittedEnd, waitForOutcomes, type RunningService, type Stack } from './harness.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const TENANT = 'demo';
const TOKENS = { ops: 'ops-token-all-tenants', demo: 'demo-team-token-1' };

interface Change { customerId: string; dimension: string; from: string | null; to: string; occurredAt: string; stateVersion: number; cause: { kind: string } }

/**
 * Issue 16, the data behind the console: with the demo's kind of population (simulator
 * archetypes over 400 days, CRM_CLOCK=event) through the scorer, the actions service and the
 * api as processes, what the console's endpoints say equals what an independent consumer counts
 * from crm.segment-changes.v1 and crm.customer-actions.v1; and API_TOKENS_FILE scopes tokens.
 */
describe('the console\'s data, against the topics', () => {
  let stack: Stack;
  let scorer: RunningService;
  let api: RunningService;
  let actions: RunningService;
  let out: Awaited<ReturnType<typeof collect>>;
  const dir = mkdtempSync(join(tmpdir(), 'bondstream-console-'));
  const endMs = Date.now();
  const history = generateShoppers({ seed: 7, customers: 150, tenantId: TENANT, startMs: endMs - 400 * DAY_MS, endMs });
  const get = async <T>(path: string, token: string | null = TOKENS.ops): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${api.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return { status: response.status, body: (await response.json()) as T };
  };
  let changes: Change[] = [];

  beforeAll(async () => {
    const tokens = join(dir, 'tokens.yaml');
    writeFileSync(tokens, `tokens:\n  - { name: ops, token: ${TOKENS.ops}, tenants: ["*"] }\n  - { name: demo team, token: ${TOKENS.demo}, tenants: [${TENANT}] }\n`);
    // No lifetime model (it would re-score everyone with cause "model" while the test reads) and,
    // below 200 customers, the policy's fixed cuts (no thresholds changes): the state settles.
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'lifetime:\n  minRepeatBuyers: 1000000\n');
    stack = await startStack();
    [scorer, api, actions] = await Promise.all([
      startService('scorer', stack, { CRM_CLOCK: 'event', CRM_POLICY_FILE: policy }),
      startService('api', stack, { CRM_CLOCK: 'event', API_TOKENS_FILE: tokens }),
      startService('actions', stack),
    ]);
    out = await collect(stack.kafka.brokers, [TOPICS.segmentChanges, TOPICS.actions]);
    const kafka = new Kafka({ brokers: [stack.kafka.brokers], clientId: 'test-console-data', logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: false, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await publishEvents(producer, history.events, { topics: TOPICS });
    } finally {
      await producer.disconnect();
    }
    await waitForOutcomes(scorer.url, history.events.length, 60_000);
    // the event clock at the newest event with nothing left due: no more changes come
    const redis = new Redis(stack.redis.url);
    try {
      const keyspace = await openStateLayout(redis, 'bs', 16);
      await waitFor('the event clock settled', async () => ((await eventClockSettled(redis, keyspace, TENANT)) ? true : undefined), { timeoutMs: 60_000, intervalMs: 200 });
    } finally {
      redis.disconnect();
    }
    // every change written is on the topic and in the collector, and the actions service is through them
    await waitFor('every segment change collected', async () => {
      const written = await metricValue(scorer.url, 'bondstream_segment_changes_total');
      const collected = out.messages.filter((m) => m.topic === TOPICS.segmentChanges).length;
      return written > 0 && collected === written ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    await waitForCommittedEnd(stack.kafka.brokers, 'bondstream-actions', TOPICS.segmentChanges, 30_000);
    const emitted = await metricValue(actions.url, 'bondstream_actions_total', { outcome: 'emitted' });
    await waitFor('every action collected', () => (out.messages.filter((m) => m.topic === TOPICS.actions).length >= emitted ? true : undefined), { timeoutMs: 20_000 });
    changes = out.messages.filter((m) => m.topic === TOPICS.segmentChanges).map((m) => JSON.parse(m.value!.toString()) as Change);
    expect(changes.filter((c) => c.cause.kind === 'model' || c.cause.kind === 'thresholds')).toEqual([]);
  }, 180_000);
  afterAll(async () => {
    await out?.stop();
    await Promise.all([scorer?.stop(), api?.stop(), actions?.stop()]);
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts each period\'s transitions as the segment-change topic does', async () => {
    expect(changes.length).toBeGreaterThan(history.shoppers.length * 3);
    for (const days of [7, 30, 90]) {
      const { body } = await get<{ fromDay: string; toDay: string; transitions: Array<{ dimension: string; from: string | null; to: string; count: number }> }>(`/v1/transitions?tenant=${TENANT}&days=${days}`);
      const counted = new Map<string, number>();
      for (const c of changes) {
        const day = c.occurredAt.slice(0, 10);
        if (day < body.fromDay || day > body.toDay) continue;
        const key = `${c.dimension} ${c.from ?? '∅'} → ${c.to}`;
        counted.set(key, (counted.get(key) ?? 0) + 1);
      }
      const served = new Map(body.transitions.map((t) => [`${t.dimension} ${t.from ?? '∅'} → ${t.to}`, t.count]));
      expect(served, `${days} days`).toEqual(counted);
      if (days === 90) expect(counted.size).toBeGreaterThan(3);
    }
  });

  it('gives daily segment sizes as the topic\'s changes add up, ending at GET /v1/segments', async () => {
    const { body } = await get<{ dates: string[]; dimensions: Record<string, Record<string, number[]>> }>(`/v1/segment-sizes?tenant=${TENANT}&days=90`);
    const segments = await get<{ dimensions: Record<string, Record<string, number>> }>(`/v1/segments?tenant=${TENANT}`);
    body.dates.forEach((date, i) => {
      const sizes: Record<string, Record<string, number>> = {};
      for (const c of changes) {
        if (c.occurredAt.slice(0, 10) > date) continue;
        const dimension = (sizes[c.dimension] ??= {});
        dimension[c.to] = (dimension[c.to] ?? 0) + 1;
        if (c.from !== null) dimension[c.from] = (dimension[c.from] ?? 0) - 1;
      }
      for (const [dimension, values] of Object.entries(body.dimensions)) {
        for (const [value, series] of Object.entries(values)) expect(series[i], `${date} ${dimension} ${value}`).toBe(sizes[dimension]?.[value] ?? 0);
      }
    });
    for (const [dimension, values] of Object.entries(body.dimensions)) {
      for (const [value, series] of Object.entries(values)) expect(series.at(-1)).toBe(segments.body.dimensions[dimension]![value]);
    }
  });

  it('keeps each customer\'s last four writes of changes and last four actions, as the topics have them', async () => {
    const minute = (iso: string) => new Date(Math.floor(Date.parse(iso) / MINUTE_MS) * MINUTE_MS).toISOString().replace('.000Z', 'Z');
    const actionsByCustomer = new Map<string, Array<{ action: string; occurredAt: string }>>();
    for (const m of out.messages.filter((x) => x.topic === TOPICS.actions)) {
      const action = await decodeCustomerAction(m.value as Buffer);
      actionsByCustomer.set(action.customerId, [...(actionsByCustomer.get(action.customerId) ?? []), { action: action.action, occurredAt: action.occurredAt }]);
    }
    for (const shopper of history.shoppers.slice(0, 40)) {
      // one write's changes share the state version, the time and the cause; the topic is keyed by customer, so in write order
      const writes: Change[][] = [];
      for (const c of changes.filter((x) => x.customerId === shopper.customerId)) {
        const last = writes.at(-1)?.[0];
        if (last && last.stateVersion === c.stateVersion && last.occurredAt === c.occurredAt && last.cause.kind === c.cause.kind) writes.at(-1)!.push(c);
        else writes.push([c]);
      }
      const expected = writes.slice(-4).reverse().flat().map((c) => ({ dimension: c.dimension, from: c.from, to: c.to, occurredAt: minute(c.occurredAt), cause: c.cause.kind }));
      const expectedActions = (actionsByCustomer.get(shopper.customerId) ?? []).slice(-4).reverse().map((a) => ({ action: a.action, occurredAt: minute(a.occurredAt) }));
      const { status, body } = await get<{ segmentChanges: unknown[]; actions: unknown[] }>(`/v1/customers/${shopper.customerId}/history?tenant=${TENANT}`);
      expect(status).toBe(200);
      expect(body.segmentChanges, shopper.customerId).toEqual(expected);
      expect(body.actions, shopper.customerId).toEqual(expectedActions);
    }
    expect([...actionsByCustomer.values()].some((a) => a.length > 0)).toBe(true);
  });

  it('lets the tenant\'s token read its tenant only, and nobody without a token', async () => {
    expect((await get(`/v1/segments?tenant=${TENANT}`, TOKENS.demo)).status).toBe(200);
    expect(await get(`/v1/segments?tenant=another-shop`, TOKENS.demo)).toEqual({ status: 403, body: { error: 'forbidden', message: 'this token may not read tenant another-shop' } });
    expect((await get(`/v1/tenants`, TOKENS.demo)).body).toEqual({ tenants: [TENANT] });
    expect((await get(`/v1/segments?tenant=${TENANT}`, null)).status).toBe(401);
    expect((await get(`/v1/segments?tenant=${TENANT}`, 'not-a-known-token')).status).toBe(401);
  });
});
