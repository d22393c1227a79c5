import { mkdirSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateShoppers, publishEvents } from '@bondstream/simulator';
import { launchChromium, waitFor } from '@bondstream/testkit';
import { apiCounts, expectedFields, pageCounts, pageFields, runAxe, TOKEN_KEY, watchConsole, type InPage } from './console-page.js';
import { getJson, root, startService, startStack, TOPICS, waitForOutcomes, type RunningService, type Stack } from './harness.js';

const DAY_MS = 86_400_000;
const TENANT = 'demo';
const TOKEN = 'console-test-token';
const ARTIFACTS = `${root}.local/test-artifacts`;
/** HTTP errors the page expects and explains (see watchConsole): a 401 before a token, 404s of endpoints main has not merged yet, no model. */
const EXPECTED_HTTP = /\/v1\/(tenants|segments|value|transitions|segment-sizes|models|top-customers|customers\/[^/?]+(\/history)?)(\?|$)/;

/**
 * The console (issue 16) in headless Debian chromium against the real services: a population
 * of 200 simulated shoppers through the scorer, the api serving /console/ with API_TOKEN set.
 */
describe('the console', () => {
  let stack: Stack;
  let scorer: RunningService;
  let api: RunningService;
  let openApi: RunningService; // the same data, no API_TOKEN
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'bondstream-console-'));
  const endMs = Date.now();
  const history = generateShoppers({ seed: 7, customers: 200, tenantId: TENANT, startMs: endMs - 400 * DAY_MS, endMs });
  const apiGet = <T>(path: string) => getJson<T>(`${api.url}/v1/${path}`, TOKEN);

  /** A page of the console with the token already in the tab's session (or none). */
  async function open(context: BrowserContext, token: string | null, query = `tenant=${TENANT}`, server = api) {
    if (token !== null) await context.addInitScript(([key, value]) => (globalThis as unknown as InPage).sessionStorage.setItem(key as string, value as string), [TOKEN_KEY, token]);
    const page = await context.newPage();
    const browserConsole = watchConsole(page, EXPECTED_HTTP);
    await page.goto(`${server.url}/console/?${query}`);
    return { page, console: browserConsole };
  }

  beforeAll(async () => {
    // a lifetime model soon after the history is in (the default looks every 30 s)
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, 'lifetime:\n  refitSeconds: 10\n');
    mkdirSync(ARTIFACTS, { recursive: true });
    stack = await startStack();
    [scorer, api, openApi, browser] = await Promise.all([
      startService('scorer', stack, { CRM_CLOCK: 'event', CRM_POLICY_FILE: policyFile }),
      startService('api', stack, { API_TOKEN: TOKEN, CRM_CLOCK: 'event' }),
      startService('api', stack, { CRM_CLOCK: 'event' }),
      launchChromium(),
    ]);
    const kafka = new Kafka({ brokers: [stack.kafka.brokers], clientId: 'test-console', logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: false, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await publishEvents(producer, history.events, { topics: TOPICS });
    } finally {
      await producer.disconnect();
    }
    await waitForOutcomes(scorer.url, history.events.length, 60_000);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([scorer?.stop(), api?.stop(), openApi?.stop()]);
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

  it('asks for a token, says clearly when it is refused, and shows the data with the right one', async () => {
    const context = await browser.newContext();
    try {
      const { page, console: browserConsole } = await open(context, null);
      await page.locator('#token-panel').waitFor({ state: 'visible', timeout: 5_000 });
      expect(await page.locator('#token-message').textContent()).toContain('needs a bearer token');
      expect(await page.locator('#panels').isHidden()).toBe(true);

      await page.getByLabel('Bearer token').fill('not-the-token');
      await page.getByRole('button', { name: 'Use this token' }).click();
      await page.getByText('The API refused this token').waitFor({ timeout: 5_000 });
      expect(await page.evaluate((key) => (globalThis as unknown as InPage).sessionStorage.getItem(key), TOKEN_KEY)).toBeNull();

      await page.getByLabel('Bearer token').fill(TOKEN);
      await page.getByRole('button', { name: 'Use this token' }).click();
      await page.locator('[data-count="relationship:true_friend"]').waitFor({ timeout: 5_000 });
      expect(await page.locator('#token-panel').isHidden()).toBe(true);
      expect(browserConsole.errors).toEqual([]);
      // TODO(backend, after merging main): API_TOKENS_FILE with a token scoped to another tenant
      // → the banner "This token may not read tenant …" (403), and the picker lists only its tenants.
    } finally {
      await context.close();
    }
  });

  it('never asks for a token when the API needs none', async () => {
    const context = await browser.newContext();
    try {
      const { page, console: browserConsole } = await open(context, null, `tenant=${TENANT}`, openApi);
      await page.locator('[data-count="relationship:true_friend"]').waitFor({ timeout: 5_000 });
      expect(await page.locator('#token-panel').isHidden()).toBe(true);
      expect(await page.evaluate((key) => (globalThis as unknown as InPage).sessionStorage.getItem(key), TOKEN_KEY)).toBeNull();
      expect(browserConsole.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('first shows the segment counts within 1 s of navigation, equal to GET /v1/segments', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page, console: browserConsole } = await open(context, TOKEN);
      const shownAt = await waitFor('the segment counts on the page', () => page.evaluate(() =>
        (globalThis as unknown as InPage).performance.getEntriesByName('bondstream:segments-shown')[0]?.startTime), { timeoutMs: 10_000 });
      console.log(`console: segment counts shown ${shownAt.toFixed(0)} ms after navigation`);
      expect(shownAt).toBeLessThan(1_000);
      // the page refreshes every 5 s and the scorer may still be re-scoring: equal within a deadline
      await waitFor('the page\'s counts equal to GET /v1/segments', async () => {
        const { body } = await apiGet<{ dimensions: Record<string, Record<string, number>> }>(`segments?tenant=${TENANT}`);
        const expected = apiCounts(body.dimensions);
        return JSON.stringify(await pageCounts(page)) === JSON.stringify(expected) ? true : undefined;
      }, { timeoutMs: 30_000, intervalMs: 250 });
      const counts = await pageCounts(page);
      expect(Object.keys(counts)).toHaveLength(4 + 6 + 10);
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(await page.evaluate(() => (globalThis as unknown as InPage).document.body.dataset.error)).toBeUndefined();
      expect(browserConsole.errors).toEqual([]);
      // TODO(backend, after merging main): the movements panel's counts for 7/30/90 days equal to
      // those an independent consumer counts on crm.segment-changes.v1 ([data-transition] cells).
    } finally {
      await context.close();
    }
  });

  it('shows the lifetime model\'s parameters as GET /v1/models gives them', async () => {
    // a model is fitted once enough repeat buyers are in (lifetime.refitSeconds: 10 above)
    await waitFor('a lifetime model', async () => ((await apiGet(`models?tenant=${TENANT}`)).status === 200 ? true : undefined), { timeoutMs: 60_000, intervalMs: 500 });
    const context = await browser.newContext();
    try {
      const { page, console: browserConsole } = await open(context, TOKEN);
      await waitFor('the page\'s parameters equal to GET /v1/models', async () => {
        const shown = await pageFields(page, 'data-param');
        const { body: m } = await apiGet<{ version: number; fittedAt: string; asOf: string; bgnbd: Record<string, number>; gammaGamma: Record<string, number> | null }>(`models?tenant=${TENANT}`);
        if (shown.version !== String(m.version)) return undefined; // a refit since the page's last refresh
        expect(Number(shown['bgnbd.r'])).toBe(m.bgnbd.r);
        expect(Number(shown['bgnbd.alpha'])).toBe(m.bgnbd.alpha);
        expect(Number(shown['bgnbd.a'])).toBe(m.bgnbd.a);
        expect(Number(shown['bgnbd.b'])).toBe(m.bgnbd.b);
        if (m.gammaGamma !== null) expect(Number(shown['gammaGamma.p'])).toBe(m.gammaGamma.p);
        expect(await page.locator('[data-param="fittedAt"]').getAttribute('datetime')).toBe(m.fittedAt);
        return true;
      }, { timeoutMs: 30_000, intervalMs: 250 });
      expect(browserConsole.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('finds a customer and shows the profile of GET /v1/customers/{id}; an unknown id says so', async () => {
    const customerId = history.shoppers[0]!.customerId;
    const context = await browser.newContext();
    try {
      const { page, console: browserConsole } = await open(context, TOKEN);
      await page.getByLabel('Customer id').fill(customerId);
      await page.getByRole('button', { name: 'Look up' }).click();
      await waitFor('the profile equal to GET /v1/customers/{id}', async () => {
        const { status, body } = await apiGet<Parameters<typeof expectedFields>[0]>(`customers/${customerId}?tenant=${TENANT}`);
        expect(status).toBe(200);
        const shown = await pageFields(page, 'data-field');
        const expected = expectedFields(body);
        return Object.entries(expected).every(([k, v]) => shown[k] === v) ? true : undefined;
      }, { timeoutMs: 30_000, intervalMs: 250 });
      expect(new URL(page.url()).searchParams.get('customer')).toBe(customerId); // kept across refreshes and reloads

      await page.getByLabel('Customer id').fill('nobody-here');
      await page.getByRole('button', { name: 'Look up' }).click();
      await page.getByText('No such customer: nobody-here.').waitFor({ timeout: 5_000 });
      expect(browserConsole.errors).toEqual([]);
      // TODO(backend, after merging main): the history list equals GET /v1/customers/{id}/history.
    } finally {
      await context.close();
    }
  });

  it('renders at 1280 × 800 and 390 × 844 with no serious or critical axe-core violations', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      const context = await browser.newContext({ viewport });
      try {
        const { page, console: browserConsole } = await open(context, TOKEN, `tenant=${TENANT}&customer=${history.shoppers[0]!.customerId}`);
        await page.locator('[data-field="customerId"]').waitFor({ timeout: 10_000 });
        const file = `${ARTIFACTS}/console-${viewport.width}x${viewport.height}.png`;
        await page.screenshot({ path: file, fullPage: true });
        // nothing wider than the screen but the tables that scroll inside their panel
        expect(await page.evaluate(() => (globalThis as unknown as InPage).document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
        const violations = await runAxe(page);
        const log = violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length})`);
        if (log.length > 0) console.log(`console ${viewport.width}×${viewport.height} axe: ${log.join('; ')}`);
        expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
        expect(browserConsole.errors).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });
});
