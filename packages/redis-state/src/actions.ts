import type { Redis } from 'ioredis';
import { execOrThrow } from './customers.js';
import type { CustomerRef, KeySpace } from './keys.js';
import { callScript, defineScripts } from './scripts.js';

export interface ActionClaim {
  ref: CustomerRef;
  actionId: string;
  action: string;
  occurredAtMs: number;
  /** The action as published (JSON), appended to the outbox and, with webhooks, their queue. */
  payload: string;
}

export type ClaimOutcome = 'emitted' | 'duplicate' | 'cooldown';

export interface ClaimOptions {
  cooldownMs: number;
  wallNowMs: number;
  dedupeRetentionMs: number;
  /** Also queue each emitted action for webhook delivery. */
  webhooks: boolean;
}

/**
 * Claims many actions in one round trip (one pipeline of claim-action.lua calls, in order, so
 * two claims of one customer in a batch see each other). Outcomes are in the order of `claims`.
 */
export async function claimActions(
  redis: Redis,
  keyspace: KeySpace,
  claims: readonly ActionClaim[],
  options: ClaimOptions,
): Promise<ClaimOutcome[]> {
  if (claims.length === 0) return [];
  defineScripts(redis);
  const pipeline = redis.pipeline();
  for (const claim of claims) {
    const k = keyspace.actions(claim.ref);
    callScript(pipeline, 'claimAction', [k.cooldown, k.dedupe, k.outbox, k.webhooks], [
      claim.actionId, claim.action, claim.occurredAtMs, options.cooldownMs, options.wallNowMs,
      options.dedupeRetentionMs, claim.payload, options.webhooks ? '1' : '0',
    ]);
  }
  const replies = await execOrThrow(pipeline);
  return replies.map((reply) => {
    if (reply !== 'emitted' && reply !== 'duplicate' && reply !== 'cooldown') throw new Error(`claimAction answered ${String(reply)}`);
    return reply;
  });
}
