import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServiceConfig } from '@bondstream/config';
import { createLogger, createMetricsRegistry } from '@bondstream/observability';
import { waitFor } from '@bondstream/testkit';
import { createScorerMetrics } from '../src/metrics.js';
import { RelayHost } from '../src/relay-host.js';

describe('the relay thread host', () => {
  it('counts what the thread reports, restarts a thread that died, and stops it after its drain', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'relay-host-')), 'life');
    const metrics = createScorerMetrics(createMetricsRegistry('scorer'));
    const config = loadServiceConfig({ KAFKA_BROKERS: '127.0.0.1:9' }, { service: 'scorer', httpPort: 0, groupId: 'g' });
    const host = new RelayHost(
      { config, leaseToken: 't', marker } as never,
      metrics,
      createLogger('scorer', 'silent'),
      new URL('./fixtures/flaky-relay-thread.mjs', import.meta.url),
    );
    const published = async () => (await metrics.published.get()).values[0]?.value ?? 0;
    host.start();
    // 3 from the first life, which then exits 1; 3 more once the restarted thread is up
    await waitFor('the restarted thread to report', async () => ((await published()) >= 6 ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
    expect(readFileSync(marker, 'utf8')).toBe('second life');
    // the fast path (OUTBOX_RELAY_GRACE_MS > 0, the default): the written entries go to the thread
    host.published([{ shard: 0, id: '1-0', events: ['a', 'b'], sourceProducedAtMs: [1] }, { shard: 1, id: '1-1', events: ['c'], sourceProducedAtMs: [] }]);
    await waitFor('the entries to reach the thread', async () => ((await published()) >= 9 ? true : undefined), { timeoutMs: 5_000, intervalMs: 20 });
    const latency = (await metrics.eventLatency.get()).values.filter((v) => v.labels.stage === 'published');
    expect(latency.find((v) => v.metricName === 'bondstream_event_latency_seconds_count')?.value).toBe(1);
    await host.stop();
    expect(await published()).toBe(11);
    expect((await metrics.errors.get()).values.find((v) => v.labels.stage === 'relay')?.value).toBe(1);
  });

  it('without the fast path (OUTBOX_RELAY_GRACE_MS=0) it wakes the thread for the shards written', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'relay-host-')), 'life');
    writeFileSync(marker, 'lived before'); // no dying first life
    const metrics = createScorerMetrics(createMetricsRegistry('scorer'));
    const config = loadServiceConfig({ KAFKA_BROKERS: '127.0.0.1:9', OUTBOX_RELAY_GRACE_MS: '0' }, { service: 'scorer', httpPort: 0, groupId: 'g' });
    const host = new RelayHost({ config, leaseToken: 't', marker } as never, metrics, createLogger('scorer', 'silent'), new URL('./fixtures/flaky-relay-thread.mjs', import.meta.url));
    const published = async () => (await metrics.published.get()).values[0]?.value ?? 0;
    host.start();
    await waitFor('the thread to report', async () => ((await published()) >= 3 ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
    // two entries of one shard and one of another: a wake naming two shards (the stand-in counts them)
    host.published([{ shard: 4, id: '1-0', events: ['a'], sourceProducedAtMs: [] }, { shard: 4, id: '1-1', events: ['b'], sourceProducedAtMs: [] }, { shard: 5, id: '1-2', events: ['c'], sourceProducedAtMs: [] }]);
    await waitFor('the wake to reach the thread', async () => ((await published()) >= 5 ? true : undefined), { timeoutMs: 5_000, intervalMs: 20 });
    await host.stop();
    expect(await published()).toBe(7);
  });
});
