import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { customerStatePattern } from '@bondstream/redis-state';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TOPICS, countKeys, startMockKafka, startRedisCluster, waitFor, type LocalRedisCluster, type MockKafka } from '@bondstream/testkit';
import {
  collect, fetchProfiles, getJson, kcatProduce, metricValue, startService, TOPICS, waitForCommittedEnd, type RunningService,
} from './harness.js';
import { expectedTotals, profileMismatches, readCdnow, toOrderEvent, type ProfileTotals } from './cdnow.js';

const run = promisify(execFile);

/** The README's recommendation: 8 state shards per master (3 masters here). */
const SHARDS = '24';

interface Profile extends ProfileTotals {
  segments: Record<'relationship' | 'pyramid' | 'rfm', { value: string } | null>;
}

interface Scenario {
  kafka: MockKafka;
  start(name: 'scorer' | 'api' | 'actions', env: Record<string, string>, readyTimeoutMs?: number): Promise<RunningService>;
}

/**
 * bondstream on a real local Redis Cluster (Debian redis-server: three masters, three replicas,
 * cluster-node-timeout 1 s): services in cluster mode (REDIS_CLUSTER_NODES), two scorers in one
 * group, a master SIGKILLed mid-drain with its replica promoted, and slots migrated mid-drain.
 * Every scenario has its own mock broker and namespace; the cluster is shared.
 */
describe('on a Redis Cluster', () => {
  let cluster: LocalRedisCluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  async function scenario(body: (s: Scenario) => Promise<void>): Promise<void> {
    const kafka = await startMockKafka({ topics: LOCAL_TOPICS });
    const services: RunningService[] = [];
    try {
      await body({
        kafka,
        start: async (name, env, readyTimeoutMs) => {
          const service = await startService(name, { kafka, cluster }, env, readyTimeoutMs);
          services.push(service);
          return service;
        },
      });
    } finally {
      await Promise.all(services.map((s) => s.stop()));
      await kafka.stop();
    }
  }

  async function segmentTotals(apiUrl: string): Promise<Record<string, number>> {
    const { body } = await getJson<{ dimensions: Record<string, Record<string, number>> }>(`${apiUrl}/v1/segments`);
    return Object.fromEntries(Object.entries(body.dimensions).map(([d, counts]) => [d, Object.values(counts).reduce((a, b) => a + b, 0)]));
  }

  /** Customer keys of a namespace on each master (SCAN on every master). */
  async function customerKeysPerMaster(namespace: string): Promise<Map<number, number>> {
    const perMaster = new Map<number, number>();
    for (const port of await cluster.masters()) {
      const node = new Redis({ port, host: '127.0.0.1' });
      try {
        perMaster.set(port, await countKeys(node, customerStatePattern(namespace)));
      } finally {
        node.disconnect();
      }
    }
    return perMaster;
  }

  it('two scorers in one group, api and actions: exact profiles, three segments each, no action twice', async () => {
    await scenario(async ({ kafka, start }) => {
      const env = { REDIS_NAMESPACE: 'pair', REDIS_STATE_SHARDS: SHARDS, REDIS_WAIT_REPLICAS: '1', CRM_CLOCK: 'event' };
      const orders = readCdnow('CDNOW_sample.txt');
      const expected = expectedTotals(orders);
      const scorers = [await start('scorer', env)];
      // Ready = joined the group: on the mock a join round with a second member takes about 25 s.
      scorers.push(await start('scorer', env, 150_000));
      const [api, actions] = await Promise.all([start('api', env), start('actions', env)]);
      // On the mock a member's join can fail and be retried (a round of about 30 s), and the other
      // member then drains everything: the orders trickle in until both have applied some.
      const appliedBy = () => Promise.all(scorers.map((s) => metricValue(s.url, 'bondstream_events_consumed_total', { outcome: 'applied' })));
      let sent = 0;
      while (sent < orders.length && Math.min(...(await appliedBy())) === 0) {
        await kcatProduce(kafka.brokers, TOPICS.orders, orders.slice(sent, sent + 40).map((o) => toOrderEvent(o)));
        sent += 40;
        await new Promise((resolve) => setTimeout(resolve, 250)); // pacing the trickle, not waiting for a result
      }
      await kcatProduce(kafka.brokers, TOPICS.orders, orders.slice(sent).map((o) => toOrderEvent(o)));
      await waitForCommittedEnd(kafka.brokers, 'bondstream-scorer', TOPICS.orders);

      const applied = await appliedBy();
      expect(applied[0]! + applied[1]!).toBe(orders.length);
      expect(Math.min(...applied)).toBeGreaterThan(0); // both members had partitions

      const ids = [...expected.keys()];
      const profiles = await fetchProfiles<Profile>(api.url, ids);
      expect(profileMismatches(profiles, expected).slice(0, 5)).toEqual([]);
      const incomplete = ids.filter((id) => {
        const segments = profiles.get(id)?.body.segments;
        return !segments?.relationship || !segments.pyramid || !segments.rfm;
      });
      expect(incomplete).toEqual([]);
      expect(await segmentTotals(api.url)).toEqual({ relationship: ids.length, pyramid: ids.length, rfm: ids.length });

      // Every published segment change turned into at most one action per (change, action).
      await waitFor('the scorers\' outboxes published', async () => {
        const backlog = await Promise.all(scorers.map((s) => metricValue(s.url, 'bondstream_outbox_backlog')));
        const published = await Promise.all(scorers.map((s) => metricValue(s.url, 'bondstream_outbox_published_total')));
        return backlog.every((b) => b === 0) && published.reduce((a, b) => a + b, 0) > 0 ? true : undefined;
      }, { timeoutMs: 60_000, intervalMs: 250 });
      await waitForCommittedEnd(kafka.brokers, 'bondstream-actions', TOPICS.segmentChanges);
      const out = await collect(kafka.brokers, [TOPICS.actions]);
      try {
        // The clock may still move customers: wait until what the topic holds is what was
        // emitted, twice in a row. The topic is read before the counter, so it can only lag.
        let previous = -1;
        const byId = await waitFor('every emitted action on the topic', async () => {
          const seen = new Map<string, string>();
          for (const m of out.messages) {
            const action = JSON.parse(m.value!.toString()) as { actionId: string };
            const before = seen.get(action.actionId);
            // at-least-once may publish an action again, but only ever the same action under one id
            if (before !== undefined && before !== m.value!.toString()) throw new Error(`actionId ${action.actionId} carries two actions`);
            seen.set(action.actionId, m.value!.toString());
          }
          const emitted = await metricValue(actions.url, 'bondstream_actions_total', { outcome: 'emitted' });
          if (seen.size > emitted) throw new Error(`${seen.size} actions on the topic, ${emitted} emitted`);
          const settled = seen.size === emitted && emitted === previous;
          previous = seen.size === emitted ? emitted : -1;
          return settled && emitted > 0 ? seen : undefined;
        }, { timeoutMs: 90_000, intervalMs: 500 });
        const perCause = new Set([...byId.values()].map((v) => {
          const a = JSON.parse(v) as { customerId: string; action: string; causeEventId: string };
          return `${a.customerId}/${a.action}/${a.causeEventId}`;
        }));
        expect(perCause.size).toBe(byId.size);
      } finally {
        await out.stop();
      }
    });
  }, 420_000);

  /**
   * CDNOW_master.txt through one scorer in cluster mode; `disturb` runs once a quarter of it is
   * applied. Afterwards every event ended applied or already applied (a batch whose writes
   * landed but whose WAIT or reply was lost is applied again and finds them in the ledger),
   * every profile is exact and each dimension's segment counts add up to the customers.
   */
  async function drainMasterLog(s: Scenario, namespace: string, disturb: () => Promise<void>): Promise<RunningService> {
    const env = { REDIS_NAMESPACE: namespace, REDIS_STATE_SHARDS: SHARDS, REDIS_WAIT_REPLICAS: '1', CRM_CLOCK: 'event' };
    const orders = readCdnow('CDNOW_master.txt');
    const expected = expectedTotals(orders);
    const [scorer, api] = await Promise.all([s.start('scorer', env), s.start('api', env)]);
    const producing = kcatProduce(s.kafka.brokers, TOPICS.orders, orders.map((o) => toOrderEvent(o)));
    const applied = () => metricValue(scorer.url, 'bondstream_events_consumed_total', { outcome: 'applied' });
    const before = await waitFor('a quarter of CDNOW_master applied', async () => {
      const n = await applied();
      return n >= orders.length / 4 ? n : undefined;
    }, { timeoutMs: 120_000, intervalMs: 20 });
    await disturb();
    const after = await applied();
    await producing;
    await waitForCommittedEnd(s.kafka.brokers, 'bondstream-scorer', TOPICS.orders, 240_000);

    const outcomes = await Promise.all(['applied', 'duplicate'].map((outcome) => metricValue(scorer.url, 'bondstream_events_consumed_total', { outcome })));
    console.log(`${namespace}: disturbed while events ${before}..${after} of ${orders.length} were applied; `
      + `${outcomes[0]} applied, ${outcomes[1]} found already applied`);
    expect(before).toBeLessThan(orders.length);
    expect(outcomes[0]! + outcomes[1]!).toBe(orders.length);
    expect(await metricValue(scorer.url, 'bondstream_events_consumed_total', { outcome: 'dead_lettered' })).toBe(0);
    const ids = [...expected.keys()];
    expect(ids).toHaveLength(23_570);
    expect(profileMismatches(await fetchProfiles<ProfileTotals>(api.url, ids), expected).slice(0, 5)).toEqual([]);
    expect(await segmentTotals(api.url)).toEqual({ relationship: 23_570, pyramid: 23_570, rfm: 23_570 });
    return scorer;
  }

  it('a master SIGKILLed mid-drain: its replica takes over and every profile is exact', async () => {
    await scenario(async (s) => {
      const scorer = await drainMasterLog(s, 'failover', async () => {
        const [victim] = await cluster.masters();
        await cluster.kill(victim!);
        await waitFor('the replica promoted', async () => {
          const masters = await cluster.masters();
          return masters.length === 3 && !masters.includes(victim!) ? true : undefined;
        }, { timeoutMs: 30_000, intervalMs: 100 });
        // The promoted master has no replica until the old one is back: WAIT 1 holds the offsets.
        await cluster.restart(victim!);
        await cluster.waitHealthy({ replicas: 1, timeoutMs: 60_000 });
      });
      expect(await metricValue(scorer.url, 'bondstream_redis_retried_commands_total')).toBeGreaterThan(0);

      // With the recommended shard count the masters hold about as many customers each.
      const perMaster = await customerKeysPerMaster('failover');
      const counts = [...perMaster.values()];
      expect(counts.reduce((a, b) => a + b, 0)).toBe(23_570);
      const mean = 23_570 / counts.length;
      console.log(`customer keys per master with ${SHARDS} shards: ${JSON.stringify(Object.fromEntries(perMaster))}, busiest ${(Math.max(...counts) / mean).toFixed(3)} x mean`);
      expect(Math.max(...counts)).toBeLessThanOrEqual(1.3 * mean);
    });
  }, 420_000);

  it('slots migrated mid-drain (redis-cli --cluster reshard): every profile is exact', async () => {
    await scenario(async (s) => {
      const scorer = await drainMasterLog(s, 'reshard', async () => {
        const [from, to] = await cluster.masters();
        const nodeId = async (port: number) => (await run('redis-cli', ['-p', String(port), 'cluster', 'myid'])).stdout.trim();
        // 2,000 of the busy master's slots (a third of them, with a dozen state shards) move.
        await run('redis-cli', ['--cluster', 'reshard', `127.0.0.1:${from}`, '--cluster-from', await nodeId(from!), '--cluster-to', await nodeId(to!),
          '--cluster-slots', '2000', '--cluster-yes', '--cluster-pipeline', '20'], { timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });
      });
      expect(await metricValue(scorer.url, 'bondstream_redis_retried_commands_total')).toBeGreaterThan(0);
    });
  }, 420_000);
});
