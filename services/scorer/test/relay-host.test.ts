import { mkdtempSync, readFileSync } from 'node:fs';
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
    host.wake(new Set([0]));
    await waitFor('the wake to reach the thread', async () => ((await published()) >= 7 ? true : undefined), { timeoutMs: 5_000, intervalMs: 20 });
    await host.stop();
    expect(await published()).toBe(9);
    expect((await metrics.errors.get()).values.find((v) => v.labels.stage === 'relay')?.value).toBe(1);
  });
});
