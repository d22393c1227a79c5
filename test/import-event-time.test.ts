import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TOPICS } from '@bondstream/contracts';
import {
  collect, datasets, metricValue, startService, startStack, TOPICS, waitForCommittedEnd, type RunningService, type Stack,
} from './harness.js';
import { readCdnow } from './cdnow.js';
import { longLapsed, waitForLapseHistories } from './event-history.js';
import { importCli } from './import-cli.js';

/**
 * Issue 14: `npm run import` of CDNOW_master.txt (listed customer by customer) into six
 * partitions, drained with CRM_CLOCK=event: the importer's event-time order keeps every
 * long-lapsed customer's history (first an active tier, then inactive by the clock).
 */
describe('CDNOW_master imported into six partitions, drained with the event clock', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'import-event-time-'));
  let stack: Stack;
  let scorer: RunningService;
  let out: Awaited<ReturnType<typeof collect>>;
  const orders = readCdnow('CDNOW_master.txt');
  const lapsed = longLapsed(orders);

  beforeAll(async () => {
    stack = await startStack({
      topics: [`${DEFAULT_TOPICS.orders}:6`, `${DEFAULT_TOPICS.interactions}:6`, `${DEFAULT_TOPICS.segmentChanges}:4`, `${DEFAULT_TOPICS.actions}:4`, `${DEFAULT_TOPICS.dlq}:1`],
    });
    out = await collect(stack.kafka.brokers, [TOPICS.segmentChanges]);
  });
  afterAll(async () => {
    await out?.stop();
    await scorer?.stop();
    await stack?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('keeps the lapse transition of every customer whose last order is over a year before the data\'s end', async () => {
    const { code, summary } = await importCli(
      ['--format', 'cdnow', '--file', `${datasets}CDNOW_master.txt`, '--checkpoint', join(tmp, 'master.json'), '--quiet'], stack.kafka.brokers);
    expect(code).toBe(0);
    expect(summary).toMatchObject({ order: 'time', produced: orders.length, lateEvents: 0, complete: true });
    // The whole history waits in the partitions before the scorer starts: a backfill.
    scorer = await startService('scorer', stack, { CRM_CLOCK: 'event' });
    await waitForCommittedEnd(stack.kafka.brokers, 'bondstream-scorer', TOPICS.orders);
    expect(await metricValue(scorer.url, 'bondstream_events_consumed_total', { outcome: 'applied' })).toBe(orders.length);

    expect(lapsed.size).toBeGreaterThan(10_000);
    console.log(`checking the pyramid history of ${lapsed.size} long-lapsed customers of CDNOW_master`);
    const problems = await waitForLapseHistories(out.messages, lapsed, 180_000);
    expect({ wrong: problems.length, first: problems.slice(0, 5) }).toEqual({ wrong: 0, first: [] });
  }, 300_000);
});
