import { actionEntry, HISTORY_ACTIONS } from '@bondstream/model';
import { CommandBatch, ensureDurable } from './batch.js';
import type { RedisClient } from './client.js';
import type { CustomerRef, KeySpace } from './keys.js';
import { callScript } from './scripts.js';

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
  redis: RedisClient,
  keyspace: KeySpace,
  claims: readonly ActionClaim[],
  options: ClaimOptions,
): Promise<ClaimOutcome[]> {
  if (claims.length === 0) return [];
  const batch = new CommandBatch(redis);
  for (const claim of claims) {
    const k = keyspace.actions(claim.ref);
    const keys = [k.cooldown, k.dedupe, k.outbox, k.webhooks, keyspace.customer(claim.ref).state];
    const args = [
      claim.actionId, claim.action, claim.occurredAtMs, options.cooldownMs, options.wallNowMs,
      options.dedupeRetentionMs, claim.payload, options.webhooks ? '1' : '0',
      actionEntry(claim.action, claim.occurredAtMs), HISTORY_ACTIONS,
    ];
    batch.add(k.cooldown, (p) => callScript(p, 'claimAction', keys, args));
  }
  // Durable: the consumed changes' offsets are committed after this (REDIS_WAIT_REPLICAS).
  const replies = await batch.exec({ durable: true });
  const outcomes = replies.map((reply) => {
    if (reply !== 'emitted' && reply !== 'duplicate' && reply !== 'cooldown') throw new Error(`claimAction answered ${String(reply)}`);
    return reply;
  });
  // A duplicate was claimed by an earlier attempt that may not have lived to see its WAIT.
  const duplicates = claims.filter((_, i) => outcomes[i] === 'duplicate');
  if (duplicates.length > 0) await ensureDurable(redis, duplicates.map((claim) => keyspace.actions(claim.ref).cooldown));
  return outcomes;
}
