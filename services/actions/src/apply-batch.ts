import { actionFor, DAY_MS, type ActionTrigger, type Policy } from '@bondstream/model';
import { claimActions, type ActionClaim, type KeySpace, type RedisClient } from '@bondstream/redis-state';
import type { ActionsMetrics } from './metrics.js';

export interface ApplyContext {
  redis: RedisClient;
  keyspace: KeySpace;
  policy: Policy;
  metrics: Pick<ActionsMetrics, 'actions'>;
  dedupeRetentionMs: number;
  /** Queue emitted actions for webhook delivery too. */
  webhooks: boolean;
  /** Called after actions were written to the outbox, so the relay (and webhook worker) start now. */
  onEmitted(): void;
}

/**
 * Turns a batch of segment changes into actions: the policy's rules decide (pure, in
 * packages/model), then every action is claimed in Redis in one pipelined round trip:
 * idempotency, cooldown, outbox and webhook queue in one atomic step per action.
 *
 * A change is `duplicate` when its action had already been claimed (a re-delivery), otherwise
 * `applied` (emitted, held back by the cooldown, or asking for no action).
 */
export async function applyBatch(ctx: ApplyContext, triggers: readonly ActionTrigger[]): Promise<{ applied: number; duplicates: number }> {
  const claims: ActionClaim[] = [];
  let noRule = 0;
  for (const trigger of triggers) {
    const action = actionFor(trigger, ctx.policy);
    if (action === null) {
      noRule++;
      continue;
    }
    claims.push({
      ref: { tenantId: action.tenantId, customerId: action.customerId },
      actionId: action.actionId,
      action: action.action,
      occurredAtMs: trigger.occurredAtMs,
      payload: JSON.stringify(action),
    });
  }
  const outcomes = await claimActions(ctx.redis, ctx.keyspace, claims, {
    // Event time (the changes' occurredAt): a replay with CRM_CLOCK=event cools down as live did.
    cooldownMs: Math.round(ctx.policy.actions.cooldownDays * DAY_MS),
    wallNowMs: Date.now(),
    dedupeRetentionMs: ctx.dedupeRetentionMs,
    webhooks: ctx.webhooks,
  });
  // Counted once the outcomes are durable.
  if (noRule > 0) ctx.metrics.actions.inc({ action: 'none', outcome: 'no_rule' }, noRule);
  let duplicates = 0;
  let emitted = 0;
  outcomes.forEach((outcome, i) => {
    ctx.metrics.actions.inc({ action: (claims[i] as ActionClaim).action, outcome });
    if (outcome === 'duplicate') duplicates++;
    if (outcome === 'emitted') emitted++;
  });
  if (emitted > 0) ctx.onEmitted();
  return { applied: triggers.length - duplicates, duplicates };
}
