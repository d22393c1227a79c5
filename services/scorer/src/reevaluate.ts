import { pruneWindow, segmentsDependOnLifetimeModel } from '@bondstream/model';
import type { CustomerRef } from '@bondstream/redis-state';
import { countChanges, evaluationTime, planWrite, writeUntilStored, type ScoringContext } from './plan.js';

/**
 * Customers planned and written per step. Planning is synchronous (about 40 µs a customer), so
 * this bounds how long a thresholds re-score or a clock pass holds the event loop (about 10 ms)
 * before consumed batches get their turn: with 1,000 a refresh's moved band showed as 100 ms+
 * spikes in the end-to-end latency. Pipelines stay bounded as well.
 */
const CHUNK = 250;

/**
 * Re-evaluates customers without a new event, because their due time came (`clock`), a cut
 * point moved past them (`thresholds`) or the tenant's lifetime model changed (`model`): same atomic step as for events, no event ids, the state
 * pruned to the window at the evaluation time; for `model`, only customers a model can move.
 * Returns how many were written and the changes.
 */
export async function reevaluateCustomers(
  ctx: ScoringContext,
  refs: readonly CustomerRef[],
  kind: 'clock' | 'thresholds' | 'model',
): Promise<{ customers: number; changes: number; missing: CustomerRef[] }> {
  let customers = 0;
  let changes = 0;
  const missing: CustomerRef[] = [];
  const causes = new Map<CustomerRef, 'clock' | 'thresholds' | 'model'>();
  for (let i = 0; i < refs.length; i += CHUNK) {
    const written = await writeUntilStored(ctx, refs.slice(i, i + CHUNK), (ref) => ({ ref, eventIds: [] }), (ref, stored) => {
      if (stored.state === null) {
        missing.push(ref);
        return null;
      }
      const nowMs = evaluationTime(ctx.clock.now(ref.tenantId), stored.state);
      // A customer whose due time has come would change with time alone: that is the clock's
      // change, even when a thresholds refresh gets there first.
      const cause = stored.dueAtMs !== null && stored.dueAtMs <= nowMs ? 'clock' : kind;
      // a new model cannot move a one-day buyer (their loyalty is 0 either way): no write
      if (cause === 'model' && !segmentsDependOnLifetimeModel(stored.state, ctx.policy)) return null;
      causes.set(ref, cause);
      return planWrite(ctx, stored, pruneWindow(stored.state, nowMs, ctx.policy), nowMs, [], { kind: cause });
    });
    customers += written.length;
    for (const cause of ['clock', 'thresholds', 'model'] as const) {
      changes += countChanges(ctx, written.filter(({ item }) => causes.get(item) === cause), cause);
    }
  }
  return { customers, changes, missing };
}
