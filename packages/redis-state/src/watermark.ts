import type { ChainableCommander, Redis } from 'ioredis';
import type { KeySpace } from './keys.js';
import { callScript, defineScripts } from './scripts.js';

/** Queues a monotonic raise of a tenant's event-time watermark (CRM_CLOCK=event). */
export function raiseWatermark(pipeline: ChainableCommander, keyspace: KeySpace, tenantId: string, candidateMs: number): void {
  callScript(pipeline, 'raiseWatermark', [keyspace.watermark(tenantId)], [candidateMs]);
}

export async function readWatermark(redis: Redis, keyspace: KeySpace, tenantId: string): Promise<number> {
  defineScripts(redis);
  return Number((await redis.get(keyspace.watermark(tenantId))) ?? 0);
}
