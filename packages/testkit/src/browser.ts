import { execFileSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { waitFor } from './processes.js';

/** Debian's chromium (scripts/setup.sh installs it), or a clear error naming the fix. */
export function chromiumPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('no chromium on PATH: run bash scripts/setup.sh (it installs Debian\'s chromium)');
  }
}

/**
 * Starts headless Debian chromium through playwright-core (DESIGN section 6). Close it in a
 * `finally` or an `afterAll`; `withChromium` does that for you.
 */
export async function launchChromium(): Promise<Browser> {
  // playwright-core never downloads a browser on install; this keeps any playwright tooling from
  // trying either (DESIGN section 6: Debian's chromium only). Loaded here, not at import, so the
  // demo and other users of the testkit need no playwright-core.
  process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD ??= '1';
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Runs `use` with a fresh chromium and always closes it, also when `use` throws. */
export async function withChromium<T>(use: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await launchChromium();
  try {
    return await use(browser);
  } finally {
    await browser.close();
  }
}

/** What the console page's script exposes here (`performance` lives in the page, not in Node's types). */
type InPageTiming = { performance: { getEntriesByName(name: string): { startTime: number }[] } };

/**
 * Milliseconds from navigation start to the console's first render: its
 * `bondstream:segments-shown` mark (packages/console, set once the segment counts are drawn).
 * Waits for the mark; the bench times it, the console's test checks that it is set.
 */
export async function segmentsShownAt(page: Page, timeoutMs = 10_000): Promise<number> {
  return waitFor('the segment counts on the page', () => page.evaluate(() =>
    (globalThis as unknown as InPageTiming).performance.getEntriesByName('bondstream:segments-shown')[0]?.startTime), { timeoutMs });
}
