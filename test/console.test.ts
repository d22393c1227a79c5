import { mkdirSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateShoppers, publishEvents, type InputEvent } from '@bondstream/simulator';
import { launchChromium, segmentsShownAt, waitFor } from '@bondstream/testkit';
import {
  apiCounts, BEFORE_TOKEN, countTransitions, DIMENSIONS, eventually, expectAccessible, expectedClv, expectedFields, expectedHistory, expectedTopRows,
  forbiddenTenant, noModelYet, openConsole, pageCounts, pageFields, pageTable, pageTransitions, refreshes, TOKEN_KEY, transitionsCaption, unknownCustomer,
  type ExpectedHttp, type HistoryBody, type InPage, type SegmentChange, type TopBody, type ValueBody,
} from './console-page.js';
import { collect, getJson, root, startService, startStack, TOPICS, waitForOutcomes, type RunningService, type Stack } from './harness.js';

const DAY_MS = 86_400_000;
const TENANT = 'demo';
const OTHER = 'other-shop';
const TOKENS = { all: 'console-all-tenants', other: 'console-other-shop-only' };
const ARTIFACTS = `${root}.local/test-artifacts`;

/**
 * The console (issue 16) in headless Debian chromium against the real services, one stack for
 * the file: 200 simulated shoppers through the mock broker into the scorer (event clock, a
 * lifetime model refitted every 10 s), the actions service, an api with API_TOKENS_FILE (an
 * all-tenant token and one scoped to another tenant) and a second api without tokens; an
 * independent consumer of crm.segment-changes.v1 for the transition counts.
 */
describe('the console', () => {
  let stack: Stack;
  let scorer: RunningService;
  let api: RunningService;
  let openApi: RunningService; // the same data, no tokens
  let actions: RunningService;
  let changes: Awaited<ReturnType<typeof collect>>;
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'bondstream-console-'));
  const endMs = Date.now();
  const history = generateShoppers({ seed: 7, customers: 200, tenantId: TENANT, startMs: endMs - 400 * DAY_MS, endMs });
  // a loyal, profitable shopper: a true friend, so the actions service enrolls them (an action in the history)
  const CUSTOMER = history.shoppers.find((s) => s.archetype === 'loyal_high_margin')!.customerId;
  const apiGet = <T>(path: string) => getJson<T>(`${api.url}/v1/${path}`, TOKENS.all);
  const open = (context: BrowserContext, token: string | null, query: string, expected: ExpectedHttp[] = [], server = api) =>
    openConsole(context, server.url, { token, query, expected });
  const segmentChanges = (): SegmentChange[] => changes.messages.map((m) => JSON.parse(m.value!.toString()) as SegmentChange);
  async function publish(events: InputEvent[]): Promise<void> {
    const kafka = new Kafka({ brokers: [stack.kafka.brokers], clientId: 'test-console', logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: false, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await publishEvents(producer, events, { topics: TOPICS });
    } finally {
      await producer.disconnect();
    }
  }

  beforeAll(async () => {
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, 'lifetime:\n  refitSeconds: 10\n'); // a model soon after the history is in (the default looks every 30 s)
    const tokensFile = join(dir, 'tokens.yaml');
    writeFileSync(tokensFile, `tokens:\n  - { name: console-ops, token: ${TOKENS.all}, tenants: ["*"] }\n  - { name: other team, token: ${TOKENS.other}, tenants: [${OTHER}] }\n`);
    mkdirSync(ARTIFACTS, { recursive: true });
    stack = await startStack();
    // allSettled: when one part fails to start, the others are still assigned (and stopped in afterAll)
    const started = await Promise.allSettled([
      startService('scorer', stack, { CRM_CLOCK: 'event', CRM_POLICY_FILE: policyFile }).then((s) => (scorer = s)),
      startService('api', stack, { API_TOKENS_FILE: tokensFile, CRM_CLOCK: 'event' }).then((s) => (api = s)),
      startService('api', stack, { CRM_CLOCK: 'event' }).then((s) => (openApi = s)),
      startService('actions', stack).then((s) => (actions = s)),
      collect(stack.kafka.brokers, [TOPICS.segmentChanges]).then((c) => (changes = c)), // before anything is published
      launchChromium().then((b) => (browser = b)),
    ]);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    await publish(history.events);
    await waitForOutcomes(scorer.url, history.events.length, 60_000);
    await waitFor('a lifetime model', async () => ((await apiGet(`models?tenant=${TENANT}`)).status === 200 ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
  }, 120_000);
  afterAll(async () => {
    // every part that started is stopped, also when another fails to stop
    await Promise.allSettled([browser?.close(), changes?.stop()]);
    await Promise.allSettled([scorer, api, openApi, actions].map((service) => service?.stop()));
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves its assets without a token, at most 500 KB gzip, while /v1 keeps its token', async () => {
    const redirect = await fetch(`${api.url}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(new URL(redirect.headers.get('location') ?? '', `${api.url}/console`).pathname).toBe('/console/');
    const index = await fetch(`${api.url}/console/`);
    expect(index.status).toBe(200);
    const html = await index.text();
    const assets = [...html.matchAll(/(?:src|href)="([^":]+\.(?:js|css))"/g)].map((m) => m[1] as string);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    let raw = Buffer.byteLength(html);
    let gzip = gzipSync(html).length;
    for (const asset of assets) {
      const response = await fetch(`${api.url}/console/${asset}`);
      expect(response.status, asset).toBe(200);
      const bytes = Buffer.from(await response.arrayBuffer()); // fetch decodes a br/gzip answer
      raw += bytes.length;
      gzip += gzipSync(bytes).length;
    }
    console.log(`console: ${assets.length + 1} assets, ${(raw / 1024).toFixed(1)} KB raw, ${(gzip / 1024).toFixed(1)} KB gzip`);
    expect(gzip).toBeLessThanOrEqual(500 * 1024);
    expect((await fetch(`${api.url}/v1/segments?tenant=${TENANT}`)).status).toBe(401);
  });

  it('asks for a token and shows no data without one, says clearly when it is refused, and shows the data with the right one', async () => {
    const context = await browser.newContext();
    try {
      const { page, console: browserConsole } = await open(context, null, `tenant=${TENANT}`, [BEFORE_TOKEN]);
      await page.locator('#token-panel').waitFor({ state: 'visible', timeout: 5_000 });
      expect(await page.locator('#token-message').textContent()).toContain('needs a bearer token');
      expect(await page.locator('#panels').isHidden()).toBe(true);
      expect(await page.locator('[data-count], [data-transition], [data-clv], [data-param]').count()).toBe(0);

      await page.getByLabel('Bearer token').fill('not-the-token');
      await page.getByRole('button', { name: 'Use this token' }).click();
      await page.getByText('The API refused this token').waitFor({ timeout: 5_000 });
      expect(await page.evaluate((key) => (globalThis as unknown as InPage).sessionStorage.getItem(key), TOKEN_KEY)).toBeNull();
      expect(await page.locator('[data-count]').count()).toBe(0);

      await page.getByLabel('Bearer token').fill(TOKENS.all);
      await page.getByRole('button', { name: 'Use this token' }).click();
      await page.locator('[data-count="relationship:true_friend"]').waitFor({ timeout: 5_000 });
      expect(await page.locator('#token-panel').isHidden()).toBe(true);
      expect(await page.locator('#tenant option').allTextContents()).toEqual([TENANT]); // GET /v1/tenants for "*": the tenants with data
      expect(browserConsole.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('with a token scoped to another tenant: a clear refusal (403), and the picker lists only what GET /v1/tenants gives it', async () => {
    const { body: allowed } = await getJson<{ tenants: string[] }>(`${api.url}/v1/tenants`, TOKENS.other);
    expect(allowed).toEqual({ tenants: [OTHER] });
    const context = await browser.newContext();
    try {
      const { page, console: browserConsole } = await open(context, TOKENS.other, `tenant=${TENANT}`, [forbiddenTenant(TENANT), noModelYet(OTHER)]);
      await page.getByText(`This token may not read tenant “${TENANT}”`).waitFor({ timeout: 5_000 });
      expect(await page.locator('#tenant option').allTextContents()).toEqual([`${TENANT} (not readable)`, ...allowed.tenants]);
      expect(await page.locator('[data-count], [data-transition], [data-clv]').count()).toBe(0);
      expect(browserConsole.expectedHttp.some((m) => m.includes('status of 403'))).toBe(true);

      await page.locator('#tenant').selectOption(OTHER);
      await page.locator('[data-count="relationship:true_friend"]').waitFor({ timeout: 5_000 });
      expect(await page.locator('#banner').textContent()).toBe('');
      expect(new URL(page.url()).searchParams.get('tenant')).toBe(OTHER);
      expect(Object.values(await pageCounts(page)).every((n) => n === 0)).toBe(true); // a tenant without customers
      expect(browserConsole.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('never asks for a token when the API needs none', async () => {
    const context = await browser.newContext();
    try {
      const { page, console: browserConsole } = await open(context, null, `tenant=${TENANT}`, [], openApi);
      await page.locator('[data-count="relationship:true_friend"]').waitFor({ timeout: 5_000 });
      expect(await page.locator('#token-panel').isHidden()).toBe(true);
      expect(await page.evaluate((key) => (globalThis as unknown as InPage).sessionStorage.getItem(key), TOKEN_KEY)).toBeNull();
      expect(browserConsole.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('first shows the segment counts (the page\'s bondstream:segments-shown mark), equal to GET /v1/segments', async () => {
    // How soon is a timing, judged by `npm run bench` (--only console), not here: this checks
    // that the mark the bench reads is set on a cold page and that the counts then shown are right.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page, console: browserConsole } = await open(context, TOKENS.all, `tenant=${TENANT}`);
      const shownAt = await segmentsShownAt(page);
      expect(shownAt).toBeGreaterThan(0);
      await eventually('the page\'s counts equal to GET /v1/segments', async () => {
        const { body } = await apiGet<{ dimensions: Record<string, Record<string, number>> }>(`segments?tenant=${TENANT}`);
        expect(await pageCounts(page)).toEqual(apiCounts(body.dimensions));
      });
      const counts = await pageCounts(page);
      expect(Object.keys(counts)).toHaveLength(4 + 6 + 10);
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(await page.evaluate(() => (globalThis as unknown as InPage).document.body.dataset.error)).toBeUndefined();
      expect(browserConsole.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows the lifetime model of GET /v1/models, the CLV per quadrant of GET /v1/value, and draws both histograms', async () => {
    const context = await browser.newContext();
    try {
      const { page, console: browserConsole } = await open(context, TOKENS.all, `tenant=${TENANT}`);
      await eventually('the page\'s parameters equal to GET /v1/models', async () => {
        const shown = await pageFields(page, 'data-param');
        const { body: m } = await apiGet<{ version: number; fittedAt: string; bgnbd: Record<string, number>; gammaGamma: Record<string, number> | null }>(`models?tenant=${TENANT}`);
        expect(shown.version).toBe(String(m.version)); // else a refit since the page's last refresh
        for (const p of ['r', 'alpha', 'a', 'b']) expect(Number(shown[`bgnbd.${p}`]), p).toBe(m.bgnbd[p]);
        expect(m.gammaGamma).not.toBeNull();
        for (const p of ['p', 'q', 'gamma']) expect(Number(shown[`gammaGamma.${p}`]), p).toBe(m.gammaGamma![p]);
        expect(await page.locator('[data-param="fittedAt"]').getAttribute('datetime')).toBe(m.fittedAt);
      });
      // 200 shoppers: the sample is the whole base, so the answer is the same for the same state
      await eventually('the quadrants\' CLV equal to GET /v1/value', async () => {
        const { body } = await apiGet<ValueBody>(`value?tenant=${TENANT}`);
        expect(body.sampled).toBe(body.purchasing);
        const expected = expectedClv(body);
        expect(Object.keys(expected).length).toBeGreaterThan(0);
        expect(await pageFields(page, 'data-clv')).toEqual(expected);
      });
      expect(await page.locator('#model-body canvas').count()).toBe(2);
      for (const canvas of await page.locator('#model-body canvas').all()) expect(await canvas.isVisible()).toBe(true);
      expect(browserConsole.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows, per period and dimension, the transitions an independent consumer counts on crm.segment-changes.v1, and draws the daily sizes', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page, console: browserConsole } = await open(context, TOKENS.all, `tenant=${TENANT}`);
      const cells90: Record<string, number> = {}; // non-empty cells per dimension at 90 days
      for (const days of [7, 30, 90]) {
        await page.getByLabel('Period').selectOption(String(days));
        for (const dimension of DIMENSIONS) {
          await page.getByLabel('Dimension').selectOption(dimension);
          // refits re-score with cause "model" while we read: the topic is recounted on each try
          await eventually(`the ${dimension} transitions of ${days} days`, async () => {
            const { body } = await apiGet<{ fromDay: string; toDay: string }>(`transitions?tenant=${TENANT}&days=${days}`);
            const shown = await pageTransitions(page);
            expect(shown.caption).toBe(transitionsCaption(dimension, body.fromDay, body.toDay));
            expect(shown.cells).toEqual(countTransitions(segmentChanges(), dimension, body.fromDay, body.toDay));
            if (days === 90) cells90[dimension] = Object.keys(shown.cells).length;
          });
        }
      }
      expect(Object.values(cells90).reduce((a, b) => a + b, 0)).toBeGreaterThan(6);
      expect(await page.locator('#movements-body canvas').isVisible()).toBe(true);
      expect(browserConsole.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('lists the most valuable customers as GET /v1/top-customers does, and opens one on a click', async () => {
    const context = await browser.newContext();
    try {
      const { page, console: browserConsole } = await open(context, TOKENS.all, `tenant=${TENANT}`);
      let first = '';
      await eventually('the top customers equal to GET /v1/top-customers', async () => {
        const { body } = await apiGet<TopBody>(`top-customers?tenant=${TENANT}&limit=20`);
        expect(body.customers).toHaveLength(20);
        expect(await pageTable(page, 'Top 20 customers by profit')).toEqual(expectedTopRows(body));
        first = body.customers[0]!.customerId;
      });
      await page.getByRole('button', { name: `Show customer ${first}` }).click();
      await page.locator(`[data-field="customerId"]:text-is("${first}")`).waitFor({ timeout: 5_000 });
      expect(await page.getByLabel('Customer id').inputValue()).toBe(first);
      expect(browserConsole.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('finds a customer: the profile of GET /v1/customers/{id}, the history of …/history; an unknown id says so', async () => {
    await eventually(`an action for ${CUSTOMER}`, async () => {
      expect((await apiGet<HistoryBody>(`customers/${CUSTOMER}/history?tenant=${TENANT}`)).body.actions.length).toBeGreaterThan(0);
    });
    const context = await browser.newContext();
    try {
      const { page, console: browserConsole } = await open(context, TOKENS.all, `tenant=${TENANT}`, [unknownCustomer('nobody-here')]);
      await page.getByLabel('Customer id').fill(CUSTOMER);
      await page.getByRole('button', { name: 'Look up' }).click();
      await eventually('the profile and history equal to the API\'s', async () => {
        const profile = await apiGet<Parameters<typeof expectedFields>[0]>(`customers/${CUSTOMER}?tenant=${TENANT}`);
        const { status, body } = await apiGet<HistoryBody>(`customers/${CUSTOMER}/history?tenant=${TENANT}`);
        expect([profile.status, status]).toEqual([200, 200]);
        expect(await pageFields(page, 'data-field')).toMatchObject(expectedFields(profile.body));
        const expected = expectedHistory(body);
        expect(expected.changes.length).toBeGreaterThan(0);
        expect(await pageTable(page, 'Recent segment changes, newest first')).toEqual(expected.changes);
        expect(await pageTable(page, 'Recent actions, newest first')).toEqual(expected.actions);
      });
      expect(new URL(page.url()).searchParams.get('customer')).toBe(CUSTOMER); // kept across refreshes and reloads

      await page.getByLabel('Customer id').fill('nobody-here');
      await page.getByRole('button', { name: 'Look up' }).click();
      await page.getByText('No such customer: nobody-here.').waitFor({ timeout: 5_000 });
      expect(browserConsole.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('refreshes in place: a new customer\'s orders appear without a reload; tenant, period and customer stay', async () => {
    const context = await browser.newContext();
    try {
      const { page, console: browserConsole } = await open(context, TOKENS.all, `tenant=${TENANT}&days=90&customer=${CUSTOMER}`);
      await page.locator('[data-field="customerId"]').waitFor({ timeout: 10_000 });
      const heading = await page.locator('#relationship-heading').elementHandle();
      const total = async () => Object.entries(await pageCounts(page)).filter(([k]) => k.startsWith('relationship:')).reduce((n, [, c]) => n + c, 0);
      const before = { customers: await total(), refreshes: await refreshes(page) };
      // two orders of a customer the tenant has not seen, inside the history (the event clock stays)
      const order = (n: number, daysAgo: number, amount: number): InputEvent => ({
        eventId: `console-refresh-${n}`, type: 'order.placed', tenantId: TENANT, customerId: 'c-refresh', orderId: `o-refresh-${n}`,
        occurredAt: new Date(endMs - daysAgo * DAY_MS).toISOString(), currency: 'EUR', amount, cost: amount / 2,
      });
      await publish([order(1, 20, 90), order(2, 5, 120)]);
      await eventually('the new customer on the page, its counts equal to GET /v1/segments', async () => {
        expect(await total()).toBe(before.customers + 1);
        const { body } = await apiGet<{ dimensions: Record<string, Record<string, number>> }>(`segments?tenant=${TENANT}`);
        expect(await pageCounts(page)).toEqual(apiCounts(body.dimensions));
      });
      expect(await refreshes(page)).toBeGreaterThan(before.refreshes);
      expect(await heading?.evaluate((e) => (e as unknown as { isConnected: boolean }).isConnected)).toBe(true); // the same document
      expect(await page.locator('#tenant').inputValue()).toBe(TENANT);
      expect(await page.getByLabel('Period').inputValue()).toBe('90');
      expect(await page.getByLabel('Customer id').inputValue()).toBe(CUSTOMER);
      expect(await page.locator('[data-field="customerId"]').textContent()).toBe(CUSTOMER);
      expect(Object.fromEntries(new URL(page.url()).searchParams)).toMatchObject({ tenant: TENANT, days: '90', customer: CUSTOMER });
      expect(browserConsole.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('renders every panel at 1280 × 800 and 390 × 844 with no serious or critical axe-core violations', async () => {
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      const context = await browser.newContext({ viewport });
      try {
        const { page, console: browserConsole } = await open(context, TOKENS.all, `tenant=${TENANT}&days=90&customer=${CUSTOMER}`);
        // every panel drawn: counts with CLV (a model), transitions, three charts, top customers, a customer with history
        for (const selector of ['[data-clv="true_friend"]', '[data-transition]', '[data-param="bgnbd.r"]', '[data-field="customerId"]']) {
          await page.locator(selector).first().waitFor({ timeout: 10_000 });
        }
        expect(await page.locator('main canvas').count()).toBe(3);
        for (const canvas of await page.locator('main canvas').all()) expect(await canvas.isVisible()).toBe(true);
        expect(await pageTable(page, /^Top \d+ customers by profit$/)).not.toBeNull();
        expect(await pageTable(page, 'Recent actions, newest first')).not.toBeNull();
        await page.screenshot({ path: `${ARTIFACTS}/console-${viewport.width}x${viewport.height}.png`, fullPage: true });
        // nothing wider than the screen but the tables that scroll inside their panel
        expect(await page.evaluate(() => (globalThis as unknown as InPage).document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
        await expectAccessible(page, `console ${viewport.width}×${viewport.height}`);
        expect(browserConsole.errors).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });
});
