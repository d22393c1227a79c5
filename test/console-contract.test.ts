import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createMetricsRegistry, startHttpServer, type RunningHttpServer } from '@bondstream/observability';
import { launchChromium, waitFor } from '@bondstream/testkit';
import { registerConsole } from '../services/api/src/console.js';
import { data, registerFakeV1 } from './console-fake-api.js';
import { apiCounts, pageCounts, runAxe, TOKEN_KEY, watchConsole, type InPage } from './console-page.js';
import { root } from './harness.js';

const ARTIFACTS = `${root}.local/test-artifacts`;

/**
 * The built console against a stand-in of every /v1 endpoint of its JSON contract (README
 * "Console"): what it shows for transitions, daily sizes, the value histograms, the most valuable
 * customers, a customer's history, a token scoped to one tenant (403), and a refresh in place.
 * test/console.test.ts checks it against the real services.
 */
describe('the console against the /v1 contract', () => {
  let http: RunningHttpServer;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    [http, browser] = await Promise.all([
      startHttpServer({
        port: 0, host: '127.0.0.1', logger: createLogger('api', 'silent'), registry: createMetricsRegistry('api'), ready: () => true,
        routes: async (app) => {
          await registerFakeV1(app);
          await registerConsole(app);
        },
      }),
      launchChromium(),
    ]);
    url = `http://127.0.0.1:${http.port}`;
  });
  afterAll(async () => {
    await browser?.close();
    await http?.close();
  });

  async function open(context: BrowserContext, token: string, query: string): Promise<{ page: Page; errors: string[] }> {
    await context.addInitScript(([key, value]) => (globalThis as unknown as InPage).sessionStorage.setItem(key as string, value as string), [TOKEN_KEY, token]);
    const page = await context.newPage();
    const { errors } = watchConsole(page, /\/v1\/customers\/nobody/);
    await page.goto(`${url}/console/?${query}`);
    return { page, errors };
  }
  const refreshed = async (page: Page, after: number): Promise<number> =>
    waitFor('a refresh of the page', async () => {
      const n = Number(await page.evaluate(() => (globalThis as unknown as InPage).document.body.dataset.refreshes ?? 0));
      return n > after ? n : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100 });

  it('says clearly when a token may not read the tenant, and lists the tenants it may', async () => {
    const context = await browser.newContext();
    try {
      const { page, errors } = await open(context, 'shop-1-only', 'tenant=shop-2');
      await page.getByText('This token may not read tenant “shop-2”').waitFor({ timeout: 5_000 });
      const options = await page.locator('#tenant option').allTextContents();
      expect(options).toEqual(['shop-2 (not readable)', 'shop-1']);
      await page.locator('#tenant').selectOption('shop-1');
      await page.locator('[data-count="relationship:true_friend"]').waitFor({ timeout: 5_000 });
      expect(await page.locator('#banner').textContent()).toBe('');
      expect(new URL(page.url()).searchParams.get('tenant')).toBe('shop-1');
      expect(errors.filter((e) => !e.includes('status of 403'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows transitions for the chosen period and dimension, sizes, value, top customers and a history', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page, errors } = await open(context, 'all-tenants', 'tenant=shop-1');
      const cell = (key: string) => page.locator(`[data-transition="${key}"]`);
      await cell('relationship:butterfly>true_friend').waitFor({ timeout: 5_000 });
      expect(await cell('relationship:butterfly>true_friend').textContent()).toBe('3');
      expect(await cell('relationship:>stranger').textContent()).toBe('14');
      expect(await page.locator('#tenant option').allTextContents()).toEqual(['shop-1', 'shop-2']);

      await page.getByLabel('Period').selectOption('30');
      await waitFor('the 30-day counts', async () => ((await cell('relationship:butterfly>true_friend').textContent()) === '9' ? true : undefined));
      await page.getByLabel('Dimension').selectOption('rfm');
      await waitFor('the RFM transitions', async () => ((await cell('rfm:loyal>champions').textContent()) === '5' ? true : undefined));
      expect(await page.locator('#movements-body canvas').isVisible()).toBe(true);

      expect(await page.locator('[data-clv="true_friend"]').textContent()).toBe('CLV mean 40.10 · total 481.20');
      expect(await page.locator('#model-body canvas').count()).toBe(2);
      for (const canvas of await page.locator('#model-body canvas').all()) expect(await canvas.isVisible()).toBe(true);

      await page.getByRole('button', { name: 'Show customer c-42' }).click();
      await page.locator('[data-field="customerId"]').waitFor({ timeout: 5_000 });
      expect(await page.locator('[data-field="prediction.clv"]').textContent()).toBe('118.40');
      const history = page.getByRole('table', { name: 'Recent segment changes, newest first' });
      expect(await history.locator('tbody tr').count()).toBe(2);
      expect(await history.locator('tbody tr').first().textContent()).toContain('butterfly → true friend');
      expect(await page.getByRole('table', { name: 'Recent actions, newest first' }).textContent()).toContain('enroll loyalty program');

      await page.getByLabel('Customer id').fill('nobody');
      await page.getByRole('button', { name: 'Look up' }).click();
      await page.getByText('No such customer: nobody.').waitFor({ timeout: 5_000 });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('refreshes in place: new counts appear, the chosen tenant, period and customer stay', async () => {
    const context = await browser.newContext();
    try {
      const { page, errors } = await open(context, 'all-tenants', 'tenant=shop-2&days=90&customer=c-42');
      await page.locator('[data-field="customerId"]').waitFor({ timeout: 5_000 });
      const heading = await page.locator('#relationship-heading').elementHandle();
      const before = await refreshed(page, 0);
      data.segments.relationship!.true_friend = 13;
      await refreshed(page, before + 1);
      expect(await page.locator('[data-count="relationship:true_friend"]').textContent()).toBe('13');
      expect(await pageCounts(page)).toEqual(apiCounts(data.segments));
      expect(await page.locator('#tenant').inputValue()).toBe('shop-2');
      expect(await page.getByLabel('Period').inputValue()).toBe('90');
      expect(await page.getByLabel('Customer id').inputValue()).toBe('c-42');
      // the same document: no reload happened
      expect(await heading?.evaluate((e) => (e as unknown as { isConnected: boolean }).isConnected)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      data.segments.relationship!.true_friend = 12;
      await context.close();
    }
  }, 30_000);

  it('has no serious or critical axe-core violations with every panel drawn, at 1280 × 800 and 390 × 844', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      const context = await browser.newContext({ viewport });
      try {
        const { page, errors } = await open(context, 'all-tenants', 'tenant=shop-1&customer=c-42');
        await page.locator('[data-field="customerId"]').waitFor({ timeout: 5_000 });
        await page.screenshot({ path: `${ARTIFACTS}/console-contract-${viewport.width}x${viewport.height}.png`, fullPage: true });
        expect(await page.evaluate(() => (globalThis as unknown as InPage).document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
        const violations = await runAxe(page);
        if (violations.length > 0) console.log(`console contract ${viewport.width}×${viewport.height} axe: ${violations.map((v) => `${v.impact} ${v.id}`).join('; ')}`);
        expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });
});
