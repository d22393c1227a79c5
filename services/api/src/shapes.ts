import { z } from 'zod';
import type { ApiToken } from '@bondstream/config';
import type { Policy } from '@bondstream/model';
import type { KeySpace, RedisClient } from '@bondstream/redis-state';

// Same limits as the input contract: ids go into Redis keys and hash tags.
const id = (max: number) => z.string().min(1).max(max).regex(/^[^{}]+$/, 'must not contain { or }');
export const tenantQuery = z.object({ tenant: id(100).default('default') });
export const customerParams = z.object({ customerId: id(200) });

export interface ApiDeps {
  redis: RedisClient;
  keyspace: KeySpace;
  policy: Policy;
  /** API_TOKEN and API_TOKENS_FILE (loadApiTokens); empty: no authentication */
  tokens: readonly ApiToken[];
  /**
   * The tenant's evaluation time (the scorer's clock: wall time, or the event-time watermark
   * minus the allowed lateness with CRM_CLOCK=event): recency and window totals are as of then.
   */
  nowMs(tenantId: string): Promise<number>;
}

export function badRequest(error: z.ZodError | undefined) {
  const detail = error?.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
  return { error: 'bad_request', message: detail ?? 'invalid request' };
}
