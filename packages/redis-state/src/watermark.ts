import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './client.js';
import type { KeySpace } from './keys.js';
import { callScript } from './scripts.js';

/** Queues a monotonic raise of a tenant's event-time watermark (CRM_CLOCK=event). */
export function raiseWatermark(pipeline: ChainableCommander, keyspace: KeySpace, tenantId: string, candidateMs: number): void {
  callScript(pipeline, 'raiseWatermark', [keyspace.watermark(tenantId)], [candidateMs]);
}

export async function readWatermark(redis: RedisClient, keyspace: KeySpace, tenantId: string): Promise<number> {
  return Number((await redis.get(keyspace.watermark(tenantId))) ?? 0);
}
