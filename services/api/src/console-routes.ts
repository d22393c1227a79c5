import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isoTime, predict, toProfile, utcDay, DAY_MS } from '@bondstream/model';
import {
  listTenants, readCustomerHistory, readLifetimeModel, readSegmentCounts, readTopProfitCustomers, readTransitionsByDay,
  samplePurchasingCustomers, scoringModelOf,
} from '@bondstream/redis-state';
import { requestToken } from './auth.js';
import { probabilityHistogram, relationshipQuadrants, segmentSizesByDay, sumTransitions, valueHistogram } from './insights.js';
import { badRequest, customerParams, tenantQuery, type ApiDeps } from './shapes.js';

/** How many customers the value panel's distributions are drawn from (uniformly). */
export const VALUE_SAMPLE = 2_000;
const periodQuery = tenantQuery.extend({ days: z.coerce.number().int().min(1).max(90).default(30) });
const limitQuery = tenantQuery.extend({ limit: z.coerce.number().int().min(1).max(100).default(20) });
const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * The console's reads (README, "The console's endpoints"): tenants, transitions and daily segment
 * sizes of a period, the value panel, the most profitable customers and a customer's history.
 * Registered in the /v1 scope, behind the same bearer tokens.
 */
export function registerConsoleRoutes(v1: FastifyInstance, deps: ApiDeps): void {
  v1.get('/tenants', async (request) => {
    const token = requestToken(request);
    const tenants = token?.tenants ? [...token.tenants] : await listTenants(deps.redis, deps.keyspace);
    return { tenants: tenants.sort() };
  });

  v1.get('/transitions', async (request, reply) => {
    const query = periodQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send(badRequest(query.error));
    const { tenant, days } = query.data;
    const toDay = utcDay(await deps.nowMs(tenant));
    const byDay = await readTransitionsByDay(deps.redis, deps.keyspace, tenant, toDay - days + 1, toDay);
    return { tenantId: tenant, days, fromDay: isoDay(toDay - days + 1), toDay: isoDay(toDay), transitions: sumTransitions(byDay) };
  });

  v1.get('/segment-sizes', async (request, reply) => {
    const query = periodQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send(badRequest(query.error));
    const { tenant, days } = query.data;
    const toDay = utcDay(await deps.nowMs(tenant));
    // counts first: a change landing between the two reads is then in both or only in the
    // transitions, which moves that day by one at most
    const current = await readSegmentCounts(deps.redis, deps.keyspace, tenant);
    const byDay = await readTransitionsByDay(deps.redis, deps.keyspace, tenant, toDay - days + 1, toDay);
    const sizes = segmentSizesByDay(current, byDay, toDay - days + 1, toDay);
    return { tenantId: tenant, dates: sizes.days.map(isoDay), dimensions: sizes.dimensions };
  });

  v1.get('/value', async (request, reply) => {
    const query = tenantQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send(badRequest(query.error));
    const { tenant } = query.data;
    const [snapshot, counts, sample, nowMs] = await Promise.all([
      readLifetimeModel(deps.redis, deps.keyspace, tenant),
      readSegmentCounts(deps.redis, deps.keyspace, tenant),
      samplePurchasingCustomers(deps.redis, deps.keyspace, tenant, VALUE_SAMPLE),
      deps.nowMs(tenant),
    ]);
    const model = snapshot && scoringModelOf(snapshot);
    const scored = sample.map((state) => {
      const prediction = model && predict(state, Math.max(nowMs, state.evaluatedAtMs ?? 0), model, deps.policy);
      return { relationship: state.segments.relationship?.value ?? null, pAlive: prediction?.pAlive ?? null, clv: prediction?.clv?.value ?? null };
    });
    const purchasing = Object.values(counts.pyramid).reduce((n, c) => n + c, 0) - (counts.pyramid.prospect ?? 0);
    return {
      tenantId: tenant,
      modelVersion: model?.version ?? null,
      sampled: sample.length,
      purchasing,
      pAlive: model ? probabilityHistogram(scored.flatMap((s) => (s.pAlive === null ? [] : [s.pAlive]))) : null,
      clv: model?.gammaGamma ? valueHistogram(scored.flatMap((s) => (s.clv === null ? [] : [s.clv]))) : null,
      quadrants: relationshipQuadrants(counts.relationship, scored),
    };
  });

  v1.get('/top-customers', async (request, reply) => {
    const query = limitQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send(badRequest(query.error));
    const { tenant, limit } = query.data;
    const [top, snapshot, nowMs] = await Promise.all([
      readTopProfitCustomers(deps.redis, deps.keyspace, tenant, limit),
      readLifetimeModel(deps.redis, deps.keyspace, tenant),
      deps.nowMs(tenant),
    ]);
    const model = snapshot && scoringModelOf(snapshot);
    return {
      tenantId: tenant,
      by: 'profit',
      customers: top.flatMap(({ customerId, state }) => {
        const profile = toProfile(tenant, customerId, state, deps.policy, nowMs, model);
        return profile === null ? [] : [{
          customerId,
          profit: profile.scores.profit,
          clv: profile.prediction?.clv?.value ?? null,
          pAlive: profile.prediction?.pAlive ?? null,
          segments: {
            relationship: profile.segments.relationship?.value ?? null,
            pyramid: profile.segments.pyramid?.value ?? null,
            rfm: profile.segments.rfm?.value ?? null,
          },
        }];
      }),
    };
  });

  v1.get('/customers/:customerId/history', async (request, reply) => {
    const params = customerParams.safeParse(request.params);
    const query = tenantQuery.safeParse(request.query);
    if (!params.success || !query.success) return reply.code(400).send(badRequest(params.error ?? query.error));
    const { customerId } = params.data;
    const { tenant } = query.data;
    const history = await readCustomerHistory(deps.redis, deps.keyspace, { tenantId: tenant, customerId });
    if (history === null) return reply.code(404).send({ error: 'not_found', message: `no customer ${customerId} in tenant ${tenant}` });
    return {
      tenantId: tenant,
      customerId,
      segmentChanges: history.segmentChanges.map((c) => ({ dimension: c.dimension, from: c.from, to: c.to, occurredAt: isoTime(c.atMs), cause: c.cause })),
      actions: history.actions.map((a) => ({ action: a.action, occurredAt: isoTime(a.atMs) })),
    };
  });
}
