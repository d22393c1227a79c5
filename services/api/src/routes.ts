import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { toProfile, type Policy } from '@bondstream/model';
import { readCustomerState, readLifetimeModel, readSegmentCounts, scoringModelOf, type KeySpace, type RedisClient } from '@bondstream/redis-state';
import { bearerMatches } from './auth.js';

// Same limits as the input contract: ids go into Redis keys and hash tags.
const id = (max: number) => z.string().min(1).max(max).regex(/^[^{}]+$/, 'must not contain { or }');
const tenantQuery = z.object({ tenant: id(100).default('default') });
const customerParams = z.object({ customerId: id(200) });

export interface ApiDeps {
  redis: RedisClient;
  keyspace: KeySpace;
  policy: Policy;
  apiToken: string | null;
  /**
   * The tenant's evaluation time (the scorer's clock: wall time, or the event-time watermark
   * minus the allowed lateness with CRM_CLOCK=event): recency and window totals are as of then.
   */
  nowMs(tenantId: string): Promise<number>;
}

/** GET /v1/customers/{customerId}, /v1/segments and /v1/models, each ?tenant= (DESIGN section 3). */
export async function registerApiRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  await app.register(async (v1) => {
    if (deps.apiToken !== null) {
      const token = deps.apiToken;
      v1.addHook('onRequest', async (request, reply) => {
        if (!bearerMatches(request.headers.authorization, token)) {
          await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: 'a valid bearer token is required' });
        }
      });
    }

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

function badRequest(error: z.ZodError | undefined) {
  const detail = error?.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
  return { error: 'bad_request', message: detail ?? 'invalid request' };
}
