// Panel f: the most valuable customers, and one customer's profile and recent history.
import type { Result } from '../api.js';
import { fmt, h, note, render, table } from '../dom.js';
import { DIMENSIONS, segmentLabel } from '../segments.js';
import type { HistoryResponse, Profile, TopCustomersResponse } from '../types.js';
import { failureNote } from './failure.js';

export function renderTopCustomers(target: HTMLElement, top: Result<TopCustomersResponse>, pick: (customerId: string) => void): void {
  render(target, JSON.stringify(top), () => {
    if (!top.ok) return [failureNote(top.failure, 'GET /v1/top-customers')];
    if (top.data.customers.length === 0) return [note('No customers yet.')];
    const rows = top.data.customers.map((c) => {
      const button = h('button', { type: 'button', class: 'link', 'aria-label': `Show customer ${c.customerId}` }, c.customerId);
      button.addEventListener('click', () => pick(c.customerId));
      return [button, fmt.money(c.profit), fmt.money(c.clv), fmt.prob(c.pAlive), DIMENSIONS.map((d) => segmentLabel(c.segments[d])).join(' · ')];
    });
    return [table(`Top ${top.data.customers.length} customers by ${top.data.by}`, ['Customer', 'Profit', 'CLV', 'P(alive)', 'Segments'], rows, { numeric: [1, 2, 3] })];
  });
}

/** A profile field the tests compare with GET /v1/customers/{id}: data-field="scores.profit". */
const field = (name: string, text: string | number): HTMLElement => h('span', { 'data-field': name }, text);

export function renderCustomer(target: HTMLElement, customerId: string | null, profile: Result<Profile> | null, history: Result<HistoryResponse> | null): void {
  render(target, JSON.stringify([customerId, profile, history]), () => {
    if (customerId === null || profile === null) return [note('Search a customer id, or pick one of the most valuable customers.')];
    if (!profile.ok) {
      return [profile.failure.kind === 'not_found' ? note(`No such customer: ${customerId}.`, 'warn') : failureNote(profile.failure, 'GET /v1/customers/{id}')];
    }
    const p = profile.data;
    const s = p.scores;
    const pr = p.prediction;
    return [
      h('h3', {}, 'Customer ', field('customerId', p.customerId)),
      table('Segments', ['Dimension', 'Segment', 'Since'], DIMENSIONS.map((d) => {
        const seg = p.segments[d];
        return [d, field(`segments.${d}`, segmentLabel(seg?.value ?? null)), seg === null ? '—' : fmt.time(seg.since)];
      }), { className: 'compact' }),
      table('Scores', ['Score', 'Value'], [
        ['Recency (days)', field('scores.recencyDays', s.recencyDays ?? '—')],
        ['Window orders (F)', field('scores.frequency', s.frequency)],
        ['Window revenue (M)', field('scores.monetary', fmt.money(s.monetary))],
        ['Window profit', field('scores.profit', fmt.money(s.profit))],
        ['Loyalty', field('scores.loyalty', s.loyalty.toFixed(2))],
        ['R, F, M (1–5)', field('scores.rfm', [s.r, s.f, s.m].map((x) => x ?? '—').join(', '))],
        ['Lifetime orders / revenue', field('lifetime', `${p.lifetime.orders} / ${fmt.money(p.lifetime.revenue)}`)],
        ['Last purchase', field('lastPurchaseAt', fmt.time(p.lastPurchaseAt))],
      ], { className: 'compact', numeric: [1] }),
      pr === null
        ? note('No prediction yet: the tenant has no fitted lifetime model.')
        : table('Prediction', ['Figure', 'Value'], [
          ['P(alive)', field('prediction.pAlive', pr.pAlive.toFixed(3))],
          [`Expected purchase days, next ${pr.expectedPurchases.days} days`, field('prediction.expectedPurchases', pr.expectedPurchases.value.toFixed(2))],
          ['Expected value of a purchase day', field('prediction.expectedOrderValue', fmt.money(pr.expectedOrderValue))],
          [pr.clv === null ? 'CLV' : `CLV, ${pr.clv.horizonMonths} months`, field('prediction.clv', fmt.money(pr.clv?.value ?? null))],
        ], { className: 'compact', numeric: [1] }),
      ...historyBlock(history),
    ];
  });
}

function historyBlock(history: Result<HistoryResponse> | null): (HTMLElement | null)[] {
  if (history === null) return [];
  if (!history.ok) return [h('h4', {}, 'Recent history'), failureNote(history.failure, 'GET /v1/customers/{id}/history')];
  const { segmentChanges, actions } = history.data;
  return [
    h('h4', {}, 'Recent segment changes'),
    segmentChanges.length === 0 ? note('None recorded.') : table('Recent segment changes, newest first', ['When', 'Dimension', 'From → to', 'Cause'],
      segmentChanges.map((c) => [fmt.time(c.occurredAt), c.dimension, `${segmentLabel(c.from)} → ${segmentLabel(c.to)}`, c.cause]), { className: 'compact', hideCaption: true }),
    h('h4', {}, 'Recent actions'),
    actions.length === 0 ? note('None recorded.') : table('Recent actions, newest first', ['When', 'Action'],
      actions.map((a) => [fmt.time(a.occurredAt), segmentLabel(a.action)]), { className: 'compact', hideCaption: true }),
  ];
}
