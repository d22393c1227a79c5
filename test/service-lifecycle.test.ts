import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, track } from '@bondstream/testkit';
import { kcatProduce, metricValue, root, startService, startStack, TOPICS, waitForCommittedEnd, waitForOutcomes, type Stack } from './harness.js';

/** Runs a service that is expected to refuse to start; resolves with its exit code and stderr. */
function runToExit(name: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = track(spawn(process.execPath, [`${root}services/${name}/dist/main.js`], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'pipe'] }));
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('configuration errors stop a service at start, naming the variable', () => {
  it('lists every bad variable of the scorer at once', async () => {
    const { code, stderr } = await runToExit('scorer', { KAFKA_BROKERS: 'localhost:9092', KAFKA_SSL: 'maybe', HTTP_PORT: '99999', CRM_CLOCK: 'sundial' });
    expect(code).toBe(2);
    for (const variable of ['KAFKA_SSL', 'HTTP_PORT', 'CRM_CLOCK']) expect(stderr).toContain(variable);
  });

  it('requires KAFKA_BROKERS for the scorer', async () => {
    const { code, stderr } = await runToExit('scorer', {});
    expect(code).toBe(2);
    expect(stderr).toContain('KAFKA_BROKERS');
  });

  it('names the policy file and the field of a bad policy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bondstream-policy-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'loyalty:\n  loyalThreshold: 1.5\n');
    const { code, stderr } = await runToExit('api', { CRM_POLICY_FILE: file });
    expect(code).toBe(2);
    expect(stderr).toContain('CRM_POLICY_FILE');
    expect(stderr).toContain('loyalty.loyalThreshold');
  });

  it('refuses a webhook without its secret, and a bad action rule, for the actions service', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bondstream-policy-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'actions:\n  rules:\n    - { dimension: rfm, to: [champion], onFirstAssignment: true, action: vip_recognition }\n');
    const { code, stderr } = await runToExit('actions', {
      KAFKA_BROKERS: 'localhost:9092', WEBHOOK_URL: 'https://crm.example.com/hook', WEBHOOK_MAX_ATTEMPTS: 'many', CRM_POLICY_FILE: file,
    });
    expect(code).toBe(2);
    expect(stderr).toContain('WEBHOOK_SECRET: required when WEBHOOK_URL is set');
    expect(stderr).toContain('WEBHOOK_MAX_ATTEMPTS');
    const policy = await runToExit('actions', { KAFKA_BROKERS: 'localhost:9092', CRM_POLICY_FILE: file });
    expect(policy.code).toBe(2);
    expect(policy.stderr).toContain('actions.rules[0].to[0]: not a segment of rfm');
  });

  it('rejects a REDIS_URL that is not redis:// for the api', async () => {
    const { code, stderr } = await runToExit('api', { REDIS_URL: 'http://localhost:6379' });
    expect(code).toBe(2);
    expect(stderr).toContain('REDIS_URL');
  });

  it('refuses both REDIS_URL and REDIS_CLUSTER_NODES, naming both', async () => {
    const { code, stderr } = await runToExit('api', { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/REDIS_CLUSTER_NODES.*REDIS_URL|REDIS_URL.*REDIS_CLUSTER_NODES/);
  });

  it('refuses a shard count other than the namespace was created with, naming both', async () => {
    const redis = await startRedis();
    try {
      const env = { KAFKA_BROKERS: '127.0.0.1:1', REDIS_URL: redis.url, REDIS_NAMESPACE: 'sharded' };
      // The api records the count when it creates the namespace; it stops on SIGTERM with 0.
      const api = await startService('api', { kafka: { brokers: '127.0.0.1:1' }, redis }, { REDIS_NAMESPACE: 'sharded', REDIS_STATE_SHARDS: '24' });
      await api.stop();
      for (const service of ['api', 'scorer', 'actions']) {
        const { code, stderr } = await runToExit(service, { ...env, REDIS_STATE_SHARDS: '16' });
        expect(code).toBe(2);
        expect(stderr).toContain('REDIS_STATE_SHARDS is 16');
        expect(stderr).toContain('created with 24 shards');
      }
    } finally {
      await redis.stop();
    }
  });
});

describe('graceful SIGTERM', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('finishes its work, commits and exits 0', async () => {
    const scorer = await startService('scorer', stack);
    const events = Array.from({ length: 500 }, (_, i) => ({
      key: `c-${i % 50}`,
      value: JSON.stringify({ eventId: `t-${i}`, type: 'order.placed', tenantId: 'shop-1', customerId: `c-${i % 50}`, orderId: String(i), occurredAt: new Date(Date.now() - i * 3_600_000).toISOString(), amount: 20 }),
    }));
    await kcatProduce(stack.kafka.brokers, TOPICS.orders, events);
    await waitForOutcomes(scorer.url, events.length);
    expect(await metricValue(scorer.url, 'bondstream_events_consumed_total', { outcome: 'applied' })).toBe(500);
    const exited = new Promise<number | null>((resolve) => scorer.process.once('exit', resolve));
    scorer.process.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(scorer.log()).toContain('scorer stopped');
    await waitForCommittedEnd(stack.kafka.brokers, 'bondstream-scorer', TOPICS.orders, 10_000);
  });
});
