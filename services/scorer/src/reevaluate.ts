import { pruneWindow } from '@bondstream/model';
import type { CustomerRef } from '@bondstream/redis-state';
import { countChanges, evaluationTime, planWrite, writeUntilStored, type ScoringContext } from './plan.js';

/** Pipelines stay bounded however many customers a pass has. */
const CHUNK = 1_000;

/**
 * Re-evaluates customers without a new event, because their due time came (`clock`) or a cut
 * point moved past them (`thresholds`): same atomic step as for events, no event ids, the state
 * pruned to the window at the evaluation time. Returns how many were written and the changes.
 */
export async function reevaluateCustomers(
  ctx: ScoringContext,
  refs: readonly CustomerRef[],
  kind: 'clock' | 'thresholds',
): Promise<{ customers: number; changes: number; missing: CustomerRef[] }> {
  let customers = 0;
  let changes = 0;
  const missing: CustomerRef[] = [];
  for (let i = 0; i < refs.length; i += CHUNK) {
    const written = await writeUntilStored(ctx, refs.slice(i, i + CHUNK), (ref) => ({ ref, eventIds: [] }), (ref, stored) => {
      if (stored.state === null) {
        missing.push(ref);
        return null;
      }
      const nowMs = evaluationTime(ctx, ref.tenantId, stored.state);
      return planWrite(ctx, stored, pruneWindow(stored.state, nowMs, ctx.policy), nowMs, [], { kind });
    });
    customers += written.length;
    changes += countChanges(ctx, written, kind);
  }
  return { customers, changes, missing };
}
