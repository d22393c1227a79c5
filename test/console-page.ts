// What test/console.test.ts reads from the console page and the API, kept apart from the test:
// the page's numbers by their data attributes and table captions, and what the page should
// show for an API answer, written from the page's formatting (not from its code).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { waitFor } from '@bondstream/testkit';

/** The few browser globals the page callbacks touch (the tests compile without lib DOM): `(globalThis as unknown as InPage)`. */
export interface InPage {
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  document: { body: { dataset: Record<string, string | undefined> }; documentElement: { scrollWidth: number } };
  performance: { getEntriesByName(name: string): { startTime: number }[] };
  axe: { run(context: unknown, options: object): Promise<{ violations: AxeViolation[] }> };
}

/** Where the console keeps the token (packages/console/src/api.ts). */
export const TOKEN_KEY = 'bondstream.console.token';
export const DIMENSIONS = ['relationship', 'pyramid', 'rfm'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
const DIMENSION_LABELS: Record<Dimension, string> = { relationship: 'Relationship', pyramid: 'Customer pyramid', rfm: 'RFM segment' };

/**
 * Compares inside a deadline: the page refreshes every 5 s and the scorer keeps refitting its
 * lifetime model (re-scores with cause "model"), so `check` reads both sides again on each try
 * and throws (an expect) while they differ; the last difference is in the timeout's message.
 */
export async function eventually(what: string, check: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
  await waitFor(what, async () => {
    await check();
    return true;
  }, { timeoutMs, intervalMs: 250 });
}

/** A page of the console with the token already in the tab's session (or none), its console watched. */
export async function openConsole(context: BrowserContext, url: string, opts: { token: string | null; query: string; expected?: ExpectedHttp[] }) {
  const { token, query, expected = [] } = opts;
  if (token !== null) await context.addInitScript(([key, value]) => (globalThis as unknown as InPage).sessionStorage.setItem(key as string, value as string), [TOKEN_KEY, token]);
  const page = await context.newPage();
  const browserConsole = watchConsole(page, expected);
  await page.goto(`${url}/console/?${query}`);
  return { page, console: browserConsole };
}

/** How many times the page has refreshed itself (body data-refreshes). */
export async function refreshes(page: Page): Promise<number> {
  return Number(await page.evaluate(() => (globalThis as unknown as InPage).document.body.dataset.refreshes ?? 0));
}

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

/** Text of every [data-field] (the searched customer's profile) or [data-param] (the model), by name. */
export async function pageFields(page: Page, attribute: 'data-field' | 'data-param' | 'data-clv'): Promise<Record<string, string>> {
  const pairs = await page.$$eval(`[${attribute}]`, (elements, a) => elements.map((e) => [e.getAttribute(a) ?? '', e.getAttribute('data-value') ?? e.textContent ?? '']), attribute);
  return Object.fromEntries(pairs);
}

/** The body rows of the table with this caption, as cell texts (null: no such table). */
export async function pageTable(page: Page, caption: string | RegExp): Promise<string[][] | null> {
  const rows = await page.$$eval('table', (tables) => tables.map((t) => ({
    caption: t.querySelector('caption')?.textContent ?? '',
    rows: [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((cell) => cell.textContent ?? '')),
  })));
  return rows.find((t) => (typeof caption === 'string' ? t.caption === caption : caption.test(t.caption)))?.rows ?? null;
}

/** The movements matrix: its caption (dimension and period) and its non-empty cells by "dimension:from>to". */
export async function pageTransitions(page: Page): Promise<{ caption: string; cells: Record<string, number> }> {
  return page.$eval('#movements-body', (body) => ({
    caption: body.querySelector('table caption')?.textContent ?? '',
    cells: Object.fromEntries([...body.querySelectorAll('[data-transition]')]
      .map((e) => [e.getAttribute('data-transition') ?? '', Number((e.textContent ?? '').replaceAll(',', ''))])),
  }));
}

export function transitionsCaption(dimension: Dimension, fromDay: string, toDay: string): string {
  return `${DIMENSION_LABELS[dimension]} transitions, ${fromDay} to ${toDay}: rows from, columns to`;
}

/** One message of crm.segment-changes.v1, as far as the console counts it. */
export interface SegmentChange { customerId: string; dimension: string; from: string | null; to: string; occurredAt: string; cause: { kind: string } }

/** Counts a dimension's changes whose occurredAt day lies in [fromDay, toDay], by "dimension:from>to" ("" for a first assignment). */
export function countTransitions(changes: readonly SegmentChange[], dimension: Dimension, fromDay: string, toDay: string): Record<string, number> {
  const counted: Record<string, number> = {};
  for (const c of changes) {
    const day = c.occurredAt.slice(0, 10);
    if (c.dimension !== dimension || day < fromDay || day > toDay) continue;
    const key = `${c.dimension}:${c.from ?? ''}>${c.to}`;
    counted[key] = (counted[key] ?? 0) + 1;
  }
  return counted;
}

const money = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const moneyOrDash = (n: number | null): string => (n === null ? '—' : money.format(n));
const label = (segment: string | null | undefined): string => (segment == null ? '(none)' : segment.replaceAll('_', ' '));
/** "2026-11-20T10:15:00Z" → "2026-11-20 10:15 UTC" (the history is kept to the minute). */
const minute = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** What the page should show for a profile of GET /v1/customers/{id}. */
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
    fields['prediction.expectedOrderValue'] = moneyOrDash(p.prediction.expectedOrderValue);
    fields['prediction.clv'] = moneyOrDash(p.prediction.clv?.value ?? null);
  }
  return fields;
}

export interface HistoryBody {
  segmentChanges: { dimension: string; from: string | null; to: string; occurredAt: string; cause: string }[];
  actions: { action: string; occurredAt: string }[];
}

/** The rows of the two history tables for GET /v1/customers/{id}/history, newest first. */
export function expectedHistory(body: HistoryBody): { changes: string[][]; actions: string[][] } {
  return {
    changes: body.segmentChanges.map((c) => [minute(c.occurredAt), c.dimension, `${label(c.from)} → ${label(c.to)}`, c.cause]),
    actions: body.actions.map((a) => [minute(a.occurredAt), label(a.action)]),
  };
}

export interface TopBody { customers: { customerId: string; profit: number; clv: number | null; pAlive: number | null; segments: Record<string, string | null> }[] }

/** The rows of the top-customers table for GET /v1/top-customers. */
export function expectedTopRows(body: TopBody): string[][] {
  return body.customers.map((c) => [c.customerId, money.format(c.profit), moneyOrDash(c.clv), c.pAlive === null ? '—' : c.pAlive.toFixed(2),
    DIMENSIONS.map((d) => label(c.segments[d])).join(' · ')]);
}

export interface ValueBody { modelVersion: number | null; sampled: number; purchasing: number; quadrants: Record<string, { meanClv: number | null; totalClv: number | null }> }

/** The quadrants' CLV lines ([data-clv]) for GET /v1/value: only quadrants with a mean. */
export function expectedClv(body: ValueBody): Record<string, string> {
  if (body.modelVersion === null) return {};
  return Object.fromEntries(Object.entries(body.quadrants).flatMap(([segment, q]) =>
    (q.meanClv === null ? [] : [[segment, `CLV mean ${money.format(q.meanClv)} · total ${moneyOrDash(q.totalClv)}`]])));
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

/** Expects no serious or critical axe-core violation (the others are logged). */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const violations = await runAxe(page);
  if (violations.length > 0) console.log(`${what} axe: ${violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length})`).join('; ')}`);
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

/** An HTTP error answer the page gets by contract and explains in words. */
export interface ExpectedHttp { status: 401 | 403 | 404; url: RegExp }

/** The page's own reads: every endpoint it calls, with its query. */
const V1 = String.raw`/v1/(tenants|segments|value|transitions|segment-sizes|models|top-customers|customers/[^/?]+(/history)?)(\?|$)`;
/** 401: the page asks for a token (none yet, or a refused one). */
export const BEFORE_TOKEN: ExpectedHttp = { status: 401, url: new RegExp(V1) };
/** 403: a token scoped to other tenants reads this one. */
export const forbiddenTenant = (tenant: string): ExpectedHttp => ({ status: 403, url: new RegExp(`${V1}.*\\btenant=${tenant}(&|$)`) });
/** 404 from GET /v1/models: no model fitted yet for the tenant. */
export const noModelYet = (tenant: string): ExpectedHttp => ({ status: 404, url: new RegExp(`/v1/models\\?tenant=${tenant}(&|$)`) });
/** 404 from the profile and the history of a customer the tenant does not have. */
export const unknownCustomer = (id: string): ExpectedHttp => ({ status: 404, url: new RegExp(`/v1/customers/${id}(/history)?\\?`) });

/**
 * Browser console messages that are errors. Chromium logs every HTTP error answer to fetch()
 * ("Failed to load resource: … status of 404") on its own; those the page gets by contract and
 * shows in words are left out, each by its status and URL (`expected`). Everything else counts,
 * a 404 of a missing endpoint included.
 */
export function watchConsole(page: Page, expected: ExpectedHttp[]): { errors: string[]; expectedHttp: string[] } {
  const errors: string[] = [];
  const expectedHttp: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location().url;
    const text = `${message.text()} (${url})`;
    const status = Number(/^Failed to load resource: the server responded with a status of (\d{3})\b/.exec(message.text())?.[1]);
    (expected.some((e) => e.status === status && e.url.test(url)) ? expectedHttp : errors).push(text);
  });
  return { errors, expectedHttp };
}
