/**
 * The console's first render (issue 16: within 1 s on localhost), measured here rather than in
 * `npm test`, where a timed check shares the cores with other test files: a scorer and an api
 * on the bench's stack, 200 simulated shoppers of one tenant sent through Kafka and scored, then
 * cold loads of `/console/?tenant=…` in headless Debian chromium (a new browser context each,
 * so nothing is cached). Each load's figure is the page's own `bondstream:segments-shown` mark:
 * milliseconds from navigation start until the segment counts are on the page.
 */
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { generateShoppers, publishEvents } from '@bondstream/simulator';
import { launchChromium, segmentsShownAt, waitFor, type LocalStack } from '@bondstream/testkit';
import { log, metric, root, startScorer, TOPICS, type Args, type Scorer } from './shared.js';
import { median, round } from './stats.js';
import { cpuTimes, stealShare } from './steal.js';
import { drainGroup, SCORER_RUNS } from './throughput.js';

const TENANT = 'console-bench';
const SHOPPERS = 200;
const LOADS = 5;
const DAY_MS = 86_400_000;

export async function consoleFirstRender(stack: LocalStack, producer: Producer, args: Args) {
  const endMs = Date.now();
  const history = generateShoppers({ seed: 7, customers: SHOPPERS, tenantId: TENANT, startMs: endMs - 400 * DAY_MS, endMs });
  let scorer: Scorer | undefined;
  let api: Scorer | undefined;
  try {
    // A namespace of its own: the drains' CDNOW tenants stay out of the tenant picker and counts.
    // In a full run the last drain's group (as the latency phase): it continues from the end of
    // what the orders topic already holds instead of reading the CDNOW copies again.
    const env = { REDIS_NAMESPACE: 'bench-console', CRM_CLOCK: 'event', KAFKA_GROUP_ID: drainGroup(SCORER_RUNS - 1) };
    scorer = await startScorer(stack, 'scorer-console', env, args.out);
    api = await startScorer(stack, 'api-console', { REDIS_NAMESPACE: 'bench-console', CRM_CLOCK: 'event' }, args.out, [], undefined, join(root, 'services/api/dist/main.js'));
    const consumedBefore = await metric(scorer.url, 'bondstream_events_consumed_total');
    await publishEvents(producer, history.events, { topics: TOPICS });
    const scorerUrl = scorer.url;
    await waitFor('the console tenant\'s events scored', async () => (
      await metric(scorerUrl, 'bondstream_events_consumed_total') - consumedBefore >= history.events.length ? true : undefined
    ), { timeoutMs: 120_000, intervalMs: 250 });
    const apiUrl = api.url;
    await waitFor('the api to count the tenant\'s segments', async () => {
      const response = await fetch(`${apiUrl}/v1/segments?tenant=${TENANT}`);
      return response.status === 200 ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    const browser = await launchChromium();
    const machineBefore = cpuTimes();
    const loads: number[] = [];
    try {
      for (let i = 0; i < LOADS; i++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        try {
          const page = await context.newPage();
          await page.goto(`${apiUrl}/console/?tenant=${TENANT}`);
          loads.push(await segmentsShownAt(page));
        } finally {
          await context.close();
        }
      }
    } finally {
      await browser.close();
    }
    const result = {
      firstRenderMs: round(median(loads), 0),
      loadsMs: loads.map((ms) => round(ms, 0)),
      stealShare: round(stealShare(machineBefore, cpuTimes()), 3),
      shoppers: SHOPPERS,
      events: history.events.length,
    };
    log(`console: segment counts shown ${result.loadsMs.join(', ')} ms after navigation (median ${result.firstRenderMs}; steal ${(result.stealShare * 100).toFixed(1)} %)`);
    return result;
  } finally {
    await Promise.allSettled([scorer?.stop(), api?.stop()]);
  }
}
