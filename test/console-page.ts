// What test/console.test.ts reads from the console page and the API, kept apart from the test.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** The few browser globals the page callbacks touch (the tests compile without lib DOM): `(globalThis as unknown as InPage)`. */
export interface InPage {
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  document: { body: { dataset: Record<string, string | undefined> }; documentElement: { scrollWidth: number } };
  performance: { getEntriesByName(name: string): { startTime: number }[] };
  axe: { run(context: unknown, options: object): Promise<{ violations: AxeViolation[] }> };
}

/** Where the console keeps the token (packages/console/src/api.ts). */
export const TOKEN_KEY = 'bondstream.console.token';

/** The page's segment counts by "dimension:segment" (data-count, the matrix, pyramid and RFM table). */
export async function pageCounts(page: Page): Promise<Record<string, number>> {
  const pairs = await page.$$eval('[data-count]', (elements) => elements.map((e) => [e.getAttribute('data-count') ?? '', e.textContent ?? '']));
  return sorted(pairs.map(([key, text]) => [key as string, Number((text as string).replaceAll(',', ''))]));
}

/** The API's counts in the same form. */
export function apiCounts(dimensions: Record<string, Record<string, number>>): Record<string, number> {
  return sorted(Object.entries(dimensions).flatMap(([d, counts]) => Object.entries(counts).map(([s, n]): [string, number] => [`${d}:${s}`, n])));
}

/** Key order is the page's layout or the API's; compared sorted. */
function sorted(pairs: [string, number][]): Record<string, number> {
  return Object.fromEntries(pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Text of every [data-field] (the searched customer's profile), by field name. */
export async function pageFields(page: Page, attribute: 'data-field' | 'data-param'): Promise<Record<string, string>> {
  const pairs = await page.$$eval(`[${attribute}]`, (elements, a) => elements.map((e) => [e.getAttribute(a) ?? '', e.getAttribute('data-value') ?? e.textContent ?? '']), attribute);
  return Object.fromEntries(pairs);
}

const money = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const label = (segment: string | null | undefined): string => (segment == null ? '(none)' : segment.replaceAll('_', ' '));

/** What the page should show for a profile of GET /v1/customers/{id} (its formatting, not its code). */
export function expectedFields(p: {
  customerId: string;
  scores: { recencyDays: number | null; frequency: number; monetary: number; profit: number; loyalty: number; r: number | null; f: number | null; m: number | null };
  segments: Record<string, { value: string } | null>;
  lifetime: { orders: number; revenue: number };
  prediction: { pAlive: number; expectedPurchases: { value: number }; expectedOrderValue: number | null; clv: { value: number } | null } | null;
}): Record<string, string> {
  const fields: Record<string, string> = {
    customerId: p.customerId,
    'segments.relationship': label(p.segments.relationship?.value),
    'segments.pyramid': label(p.segments.pyramid?.value),
    'segments.rfm': label(p.segments.rfm?.value),
    'scores.recencyDays': String(p.scores.recencyDays ?? '—'),
    'scores.frequency': String(p.scores.frequency),
    'scores.monetary': money.format(p.scores.monetary),
    'scores.profit': money.format(p.scores.profit),
    'scores.loyalty': p.scores.loyalty.toFixed(2),
    'scores.rfm': [p.scores.r, p.scores.f, p.scores.m].map((x) => x ?? '—').join(', '),
    lifetime: `${p.lifetime.orders} / ${money.format(p.lifetime.revenue)}`,
  };
  if (p.prediction !== null) {
    fields['prediction.pAlive'] = p.prediction.pAlive.toFixed(3);
    fields['prediction.expectedPurchases'] = p.prediction.expectedPurchases.value.toFixed(2);
    fields['prediction.expectedOrderValue'] = p.prediction.expectedOrderValue === null ? '—' : money.format(p.prediction.expectedOrderValue);
    fields['prediction.clv'] = p.prediction.clv === null ? '—' : money.format(p.prediction.clv.value);
  }
  return fields;
}

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }

/** Runs axe-core (the npm package's own build) in the page; evaluated over CDP, so the page's CSP does not block it. */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  return page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as InPage;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
}

/**
 * Browser console messages that are errors. Chromium logs every HTTP error answer to fetch()
 * ("Failed to load resource: … status of 404") on its own; those the page expects and shows
 * in words are left out, when `expected` matches their URL: 401 while it asks for a token, 404
 * from an endpoint that is not there yet or from no model yet. Everything else counts.
 */
export function watchConsole(page: Page, expected: RegExp): { errors: string[]; expectedHttp: string[] } {
  const errors: string[] = [];
  const expectedHttp: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = `${message.text()} (${message.location().url})`;
    const http = /^Failed to load resource: the server responded with a status of (401|404)\b/.test(message.text());
    (http && expected.test(message.location().url) ? expectedHttp : errors).push(text);
  });
  return { errors, expectedHttp };
}
