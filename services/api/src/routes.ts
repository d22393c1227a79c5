import type { FastifyInstance } from 'fastify';
import { toProfile } from '@bondstream/model';
import { readCustomerState, readLifetimeModel, readSegmentCounts, scoringModelOf } from '@bondstream/redis-state';
import { requireTokens } from './auth.js';
import { registerConsoleRoutes } from './console-routes.js';
import { badRequest, customerParams, tenantQuery, type ApiDeps } from './shapes.js';

export type { ApiDeps } from './shapes.js';

/**
 * GET /v1/customers/{customerId}, /v1/segments and /v1/models, each ?tenant= (DESIGN section 3),
 * and the console's reads (console-routes.ts).
 */
export async function registerApiRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  await app.register(async (v1) => {
    requireTokens(v1, deps.tokens);
    registerConsoleRoutes(v1, deps);

    v1.get('/customers/:customerId', async (request, reply) => {
      const params = customerParams.safeParse(request.params);
      const query = tenantQuery.safeParse(request.query);
      if (!params.success || !query.success) return reply.code(400).send(badRequest(params.error ?? query.error));
      const { customerId } = params.data;
      const { tenant } = query.data;
      const [state, model, nowMs] = await Promise.all([
        readCustomerState(deps.redis, deps.keyspace, { tenantId: tenant, customerId }),
        readLifetimeModel(deps.redis, deps.keyspace, tenant),
        deps.nowMs(tenant),
      ]);
      const profile = state === null ? null : toProfile(tenant, customerId, state, deps.policy, nowMs, model && scoringModelOf(model));
      if (profile === null) return reply.code(404).send({ error: 'not_found', message: `no customer ${customerId} in tenant ${tenant}` });
      return profile;
    });

    v1.get('/segments', async (request, reply) => {
      const query = tenantQuery.safeParse(request.query);
      if (!query.success) return reply.code(400).send(badRequest(query.error));
      const { tenant } = query.data;
      return { tenantId: tenant, dimensions: await readSegmentCounts(deps.redis, deps.keyspace, tenant) };
    });

    v1.get('/models', async (request, reply) => {
      const query = tenantQuery.safeParse(request.query);
      if (!query.success) return reply.code(400).send(badRequest(query.error));
      const { tenant } = query.data;
      const model = await readLifetimeModel(deps.redis, deps.keyspace, tenant);
      if (model === null) return reply.code(404).send({ error: 'not_found', message: `no fitted lifetime model for tenant ${tenant} yet` });
      return {
        tenantId: tenant,
        version: model.version,
        fittedAt: new Date(model.fittedAtMs).toISOString(),
        asOf: new Date(model.asOfMs).toISOString(),
        bgnbd: { ...model.bgnbd, timeUnit: 'day' },
        gammaGamma: model.gammaGamma,
      };
    });
  }, { prefix: '/v1' });
}
