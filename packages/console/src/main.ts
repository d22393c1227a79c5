// The console: reads /v1 for one tenant and redraws its panels every 5 s, in place.
import { getV1, storedToken, storeToken, type Failure, type Result } from './api.js';
import { byId, h } from './dom.js';
import { DIMENSIONS, type Dimension } from './segments.js';
import type {
  HistoryResponse, ModelResponse, Profile, SegmentSizesResponse, SegmentsResponse, TenantsResponse, TopCustomersResponse, TransitionsResponse, ValueResponse,
} from './types.js';
import { renderCustomer, renderTopCustomers } from './panels/customers.js';
import { ModelPanel } from './panels/model.js';
import { MovementsPanel } from './panels/movements.js';
import { renderPyramid, renderRelationship, renderRfmGrid } from './panels/segments.js';

const REFRESH_MS = 5_000;
const PERIODS = [7, 30, 90] as const;

/** What the user chose; kept in the URL's query so a reload (or a shared link) keeps it. */
const view = readView();
let tenants: string[] | null = null; // null: this API has no GET /v1/tenants (yet)
let timer: number | undefined;
let generation = 0;
let refreshes = 0;
let segmentsShown = false;

const movements = new MovementsPanel(byId('movements-body'));
const model = new ModelPanel(byId('model-body'));

function readView(): { tenant: string; days: number; dimension: Dimension; customer: string | null } {
  const q = new URLSearchParams(location.search);
  const days = Number(q.get('days'));
  const dimension = q.get('dimension') as Dimension | null;
  return {
    tenant: q.get('tenant') || 'default',
    days: (PERIODS as readonly number[]).includes(days) ? days : 7,
    dimension: dimension !== null && DIMENSIONS.includes(dimension) ? dimension : 'relationship',
    customer: q.get('customer') || null,
  };
}

function writeView(): void {
  const q = new URLSearchParams({ tenant: view.tenant, days: String(view.days), dimension: view.dimension });
  if (view.customer !== null) q.set('customer', view.customer);
  history.replaceState(null, '', `?${q.toString()}`);
}

/** Starts a refresh now (a choice changed), or in 5 s. Answers to an older choice are dropped. */
function schedule(delayMs: number): void {
  window.clearTimeout(timer);
  timer = window.setTimeout(() => {
    refresh().catch((error: unknown) => {
      // a bug in a panel must not stop the others from refreshing; the tests fail on data-error
      document.body.dataset.error = String(error);
      byId('status').textContent = `Could not draw the page: ${String(error)}`;
      schedule(REFRESH_MS);
    });
  }, delayMs);
}

async function refresh(): Promise<void> {
  const mine = ++generation;
  const { tenant, days, customer } = view;
  const q = { tenant };
  // Every panel's data at once (the page costs one round trip, not one per panel), but the
  // segment panels are drawn as soon as their own answers are in: the slowest panel (top
  // customers, transitions) no longer holds back the first thing a marketer looks at.
  const first = Promise.all([
    getV1<TenantsResponse>('tenants', {}),
    getV1<SegmentsResponse>('segments', q),
    getV1<ValueResponse>('value', q),
  ]);
  const rest = Promise.all([
    getV1<TransitionsResponse>('transitions', { ...q, days }),
    getV1<SegmentSizesResponse>('segment-sizes', { ...q, days }),
    getV1<ModelResponse>('models', q),
    getV1<TopCustomersResponse>('top-customers', { ...q, limit: 20 }),
    customer === null ? null : getV1<Profile>(`customers/${encodeURIComponent(customer)}`, q),
    customer === null ? null : getV1<HistoryResponse>(`customers/${encodeURIComponent(customer)}/history`, q),
  ]);
  const [tenantList, segments, value] = await first;
  if (mine !== generation || tokenRefused([tenantList, segments, value])) return;
  byId('token-panel').hidden = true;
  byId('panels').hidden = false;
  showTokenState();
  updateTenants(tenantList);
  showForbidden(tenant, [segments, value]);
  renderRelationship(byId('relationship-body'), segments, value);
  renderPyramid(byId('pyramid-body'), segments);
  renderRfmGrid(byId('rfm-body'), segments);
  if (segments.ok && !segmentsShown) {
    segmentsShown = true;
    performance.mark('bondstream:segments-shown'); // the first render: npm run bench (--only console) times it
  }

  const [transitions, sizes, fitted, top, profile, history] = await rest;
  if (mine !== generation || tokenRefused([transitions, sizes, fitted, top, profile, history])) return;
  showForbidden(tenant, [segments, value, top]);
  movements.update(view.dimension, days, transitions, sizes);
  model.update(fitted, value);
  renderTopCustomers(byId('top-body'), top, pick);
  renderCustomer(byId('customer-body'), customer, profile, history);

  refreshes += 1;
  document.body.dataset.refreshes = String(refreshes);
  byId('status').textContent = `Tenant ${tenant} · updated ${new Date().toLocaleTimeString('en-GB')}`;
  schedule(REFRESH_MS);
}

/** A 401 among the answers: asks for a token (no data, and no refresh until one is given). */
function tokenRefused(results: readonly (Result<unknown> | null)[]): boolean {
  const unauthorized = results.find((r): r is { ok: false; failure: Failure & { kind: 'unauthorized' } } => r !== null && !r.ok && r.failure.kind === 'unauthorized');
  if (!unauthorized) return false;
  askForToken(unauthorized.failure.tokenSent
    ? 'The API refused this token. Check it and enter it again.'
    : 'This API needs a bearer token to show its data.');
  return true;
}

/** The banner for a token that may not read this tenant (a 403 on its data). */
function showForbidden(tenant: string, results: readonly Result<unknown>[]): void {
  const forbidden = results.some((r) => !r.ok && r.failure.kind === 'forbidden');
  const banner = byId('banner');
  const bannerText = forbidden ? `This token may not read tenant “${tenant}”. Pick another tenant, or use another token.` : '';
  if (banner.textContent !== bannerText) banner.textContent = bannerText;
}

function askForToken(message: string): void {
  storeToken(null);
  byId('panels').hidden = true;
  byId('banner').textContent = '';
  byId('token-message').textContent = message;
  byId('token-panel').hidden = false;
  byId('status').textContent = 'Waiting for a token';
  showTokenState();
  byId<HTMLInputElement>('token-input').focus();
}

function showTokenState(): void {
  const slot = byId('token-state');
  if (storedToken() === null) {
    slot.replaceChildren();
    return;
  }
  const forget = h('button', { type: 'button', class: 'link' }, 'Forget token');
  forget.addEventListener('click', () => {
    storeToken(null);
    schedule(0);
  });
  slot.replaceChildren('Token set · ', forget);
}

/** The tenant picker: a list when GET /v1/tenants answers, a text field otherwise. */
function updateTenants(result: Result<TenantsResponse>): void {
  const list = result.ok ? result.data.tenants : null;
  if (JSON.stringify(list) === JSON.stringify(tenants) && document.getElementById('tenant') !== null) return;
  tenants = list;
  const slot = byId('tenant-slot');
  if (list === null) {
    if (document.getElementById('tenant') instanceof HTMLInputElement) return;
    const input = h('input', { id: 'tenant', name: 'tenant', value: view.tenant, autocomplete: 'off', spellcheck: 'false' });
    slot.replaceChildren(input);
    return;
  }
  const options = list.includes(view.tenant) ? list : [view.tenant, ...list];
  const select = h('select', { id: 'tenant', name: 'tenant' },
    ...options.map((t) => h('option', { value: t, selected: t === view.tenant }, list.includes(t) ? t : `${t} (not readable)`)));
  if (list.length === 0) select.append(h('option', { value: '', disabled: true }, 'this token may read no tenant'));
  select.addEventListener('change', () => choose({ tenant: select.value }));
  slot.replaceChildren(select);
}

function choose(change: Partial<typeof view>): void {
  Object.assign(view, change);
  writeView();
  schedule(0);
}

function pick(customerId: string): void {
  byId<HTMLInputElement>('customer-id').value = customerId;
  choose({ customer: customerId });
}

function start(): void {
  byId<HTMLFormElement>('controls').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = document.getElementById('tenant');
    if (input instanceof HTMLInputElement && input.value.trim() !== '') choose({ tenant: input.value.trim() });
  });
  // a typed tenant applies when the field is left (or Enter submits the form)
  byId('tenant-slot').addEventListener('change', (event) => {
    if (event.target instanceof HTMLInputElement && event.target.value.trim() !== '') choose({ tenant: event.target.value.trim() });
  });
  byId<HTMLFormElement>('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('token-input');
    const token = input.value.trim();
    if (token === '') return;
    storeToken(token);
    input.value = '';
    byId('token-message').textContent = 'Checking the token…';
    schedule(0);
  });
  const days = byId<HTMLSelectElement>('days');
  days.value = String(view.days);
  days.addEventListener('change', () => choose({ days: Number(days.value) }));
  const dimension = byId<HTMLSelectElement>('dimension');
  dimension.value = view.dimension;
  dimension.addEventListener('change', () => choose({ dimension: dimension.value as Dimension }));
  const search = byId<HTMLInputElement>('customer-id');
  search.value = view.customer ?? '';
  byId<HTMLFormElement>('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    choose({ customer: search.value.trim() || null });
  });
  byId<HTMLInputElement>('tenant').value = view.tenant;
  // a hidden tab does not poll; it catches up as soon as it is shown again
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') schedule(0);
    else window.clearTimeout(timer);
  });
  writeView();
  schedule(0);
}

start();
