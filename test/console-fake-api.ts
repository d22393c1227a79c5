// A stand-in for the /v1 endpoints of the console's JSON contract (README "Console"), serving
// fixed data beside the real /console/ route: the page's panels can be checked against every
// endpoint before services/api has them all.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const TOKENS: Record<string, string[]> = { 'all-tenants': ['shop-1', 'shop-2'], 'shop-1-only': ['shop-1'] };

/** Mutable, so a test can change the data and watch the page follow without a reload. */
export const data = {
  segments: {
    relationship: { true_friend: 12, butterfly: 7, barnacle: 5, stranger: 30 },
    pyramid: { top: 2, big: 6, medium: 12, small: 26, inactive: 6, prospect: 2 },
    rfm: { champions: 4, loyal: 6, potential_loyalist: 8, new: 3, promising: 2, need_attention: 5, about_to_sleep: 4, at_risk: 7, cannot_lose: 1, hibernating: 12 },
  } as Record<string, Record<string, number>>,
};

const DATES = ['2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02'];

export function transitionsFor(days: number) {
  return [
    { dimension: 'relationship', from: 'butterfly', to: 'true_friend', count: days === 7 ? 3 : 9 },
    { dimension: 'relationship', from: null, to: 'stranger', count: days === 7 ? 14 : 40 },
    { dimension: 'relationship', from: 'true_friend', to: 'butterfly', count: 1 },
    { dimension: 'rfm', from: 'loyal', to: 'champions', count: days === 7 ? 2 : 5 },
  ];
}

export const PROFILE = {
  tenantId: 'shop-1', customerId: 'c-42', stateVersion: 18,
  firstPurchaseAt: '2025-02-01T09:00:00Z', lastPurchaseAt: '2026-11-20T10:15:00Z', lastEventAt: '2026-11-20T11:00:00Z',
  lifetime: { orders: 9, revenue: 1012.4, grossMargin: 401.7, refunds: 0, contacts: 3, contactCost: 12 },
  window: { days: 365, orders: 7, monetary: 812.4, grossMargin: 331.2, refunds: 0, contacts: 2, contactCost: 8, profit: 301.2 },
  scores: { recencyDays: 0, frequency: 7, monetary: 812.4, profit: 301.2, loyalty: 0.71, r: 5, f: 4, m: 5 },
  segments: {
    relationship: { value: 'true_friend', since: '2026-11-20T10:15:00Z' },
    pyramid: { value: 'big', since: '2026-11-02T00:00:00Z' },
    rfm: { value: 'champions', since: '2026-11-20T10:15:00Z' },
  },
  prediction: { pAlive: 0.93, expectedPurchases: { days: 365, value: 4.1 }, expectedOrderValue: 118.2, clv: { value: 118.4, horizonMonths: 12, monthlyDiscountRate: 0.01 }, modelVersion: 3 },
};

export async function registerFakeV1(app: FastifyInstance): Promise<void> {
  await app.register(async (v1) => {
    v1.addHook('onRequest', async (request, reply) => {
      const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
      if (!(token in TOKENS)) return reply.code(401).send({ error: 'unauthorized', message: 'a valid bearer token is required' });
    });
    const tenantOf = (request: FastifyRequest, reply: FastifyReply): string | null => {
      const tenant = (request.query as { tenant?: string }).tenant ?? 'default';
      const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
      if (TOKENS[token]?.includes(tenant)) return tenant;
      void reply.code(403).send({ error: 'forbidden', message: `this token may not read tenant ${tenant}` });
      return null;
    };
    const days = (request: FastifyRequest): number => Number((request.query as { days?: string }).days ?? 7);
    /** A route of one tenant: 403 unless the token may read it. */
    const route = (path: string, build: (tenantId: string, request: FastifyRequest, reply: FastifyReply) => unknown): void => {
      v1.get(path, async (request, reply) => {
        const tenantId = tenantOf(request, reply);
        return tenantId === null ? reply : build(tenantId, request, reply);
      });
    };
    v1.get('/tenants', async (request) => ({ tenants: TOKENS[request.headers.authorization?.replace(/^Bearer /, '') ?? ''] }));
    route('/segments', (tenantId) => {
      return { tenantId, dimensions: data.segments };
    });
    route('/transitions', (tenantId, request) => {
      const d = days(request);
      return { tenantId, days: d, fromDay: d === 7 ? '2026-11-26' : '2026-11-03', toDay: '2026-12-02', transitions: transitionsFor(d) };
    });
    route('/segment-sizes', (tenantId) => {
      const series = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).map(([s, n]) => [s, DATES.map((_, i) => Math.max(0, n - 6 + i))]));
      return { tenantId, dates: DATES, dimensions: Object.fromEntries(Object.entries(data.segments).map(([d, c]) => [d, series(c)])) };
    });
    route('/models', (tenantId) => {
      return {
        tenantId, version: 3, fittedAt: '2026-12-02T21:00:00.000Z', asOf: '2026-12-02T20:59:00.000Z',
        bgnbd: { r: 0.24259, alpha: 30.895, a: 0.79292, b: 2.42591, logLikelihood: -9582.43, customers: 2357, timeUnit: 'day' },
        gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44, logLikelihood: -4059.9, customers: 946 },
      };
    });
    route('/value', (tenantId) => {
      const quadrant = (customers: number, mean: number) => ({ customers, meanClv: mean, totalClv: Math.round(customers * mean * 100) / 100 });
      return {
        tenantId, modelVersion: 3, sampled: 52, purchasing: 52,
        pAlive: { edges: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1], counts: [9, 3, 2, 1, 2, 3, 4, 6, 8, 14] },
        clv: { edges: [0, 50, 100, 150, 200, 250], counts: [30, 10, 6, 4, 2] },
        quadrants: { true_friend: quadrant(12, 40.1), butterfly: quadrant(7, 22.5), barnacle: quadrant(5, 12), stranger: quadrant(28, 1.25) },
      };
    });
    route('/top-customers', (tenantId) => {
      return {
        tenantId, by: 'profit', customers: [
          { customerId: 'c-42', profit: 301.2, clv: 118.4, pAlive: 0.93, segments: { relationship: 'true_friend', pyramid: 'big', rfm: 'champions' } },
          { customerId: 'c-7', profit: 120, clv: null, pAlive: null, segments: { relationship: 'butterfly', pyramid: 'medium', rfm: null } },
        ],
      };
    });
    route('/customers/:id', (tenantId, request, reply) => {
      const { id } = request.params as { id: string };
      return id === 'c-42' ? PROFILE : reply.code(404).send({ error: 'not_found', message: `no customer ${id} in tenant ${tenantId}` });
    });
    route('/customers/:id/history', (tenantId) => {
      return {
        tenantId, customerId: 'c-42',
        segmentChanges: [
          { dimension: 'relationship', from: 'butterfly', to: 'true_friend', occurredAt: '2026-11-20T10:15:00Z', cause: 'event' },
          { dimension: 'rfm', from: null, to: 'new', occurredAt: '2025-02-01T09:00:00Z', cause: 'event' },
        ],
        actions: [{ action: 'enroll_loyalty_program', occurredAt: '2026-11-20T10:15:00Z' }],
      };
    });
  }, { prefix: '/v1' });
}
