import { movedCutBands, thresholdRanks, thresholdsFromRanks, type Thresholds } from '@bondstream/model';
import {
  acquireThresholdsLease, listTenants, rankKey, readBandCustomers, readPopulationCounts, readPurchasingCustomers, readThresholds,
  readValuesAtRanks, writeThresholds, type CustomerRef,
} from '@bondstream/redis-state';
import type { TenantTaskDeps } from './tenant-task.js';

/** Re-scores customers whose index value a moved cut point passed (cause "thresholds"). */
export type Rescore = (refs: readonly CustomerRef[]) => Promise<unknown>;

/**
 * The population cut points (median profit, pyramid ranks, R/F/M quintiles) of each tenant as a
 * versioned snapshot. One scorer (holding the lease) recomputes it from the population indexes
 * every `policy.thresholds.refreshSeconds`, reading only the values at the cut ranks; every
 * scorer reloads it, so neither per-event scoring nor a refresh scans the population. When a cut point moves, only the customers whose index value lies
 * between its old and new value are re-scored (the moved band); the whole tenant only when a
 * rule switches between the policy's absolute cuts and the tenant's own.
 */
export class ThresholdsCache {
  private readonly snapshots = new Map<string, Thresholds | null>();
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly deps: TenantTaskDeps,
    private readonly rescore: Rescore,
  ) {}

  get(tenantId: string): Thresholds | null {
    return this.snapshots.get(tenantId) ?? null;
  }

  start(): void {
    const periodMs = this.deps.policy.thresholds.refreshSeconds * 1_000;
    this.timer = setInterval(() => {
      if (this.refreshing) return;
      this.refreshing = this.refresh()
        .catch((error: unknown) => {
          this.deps.metrics.errors.inc({ stage: 'thresholds' });
          this.deps.logger.error({ err: error }, 'thresholds refresh failed');
        })
        .finally(() => {
          this.refreshing = null;
        });
    }, periodMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.refreshing;
  }

  /** Recomputes the tenants whose lease this process gets, then reloads every snapshot. */
  async refresh(): Promise<void> {
    const leaseMs = Math.max(1_000, this.deps.policy.thresholds.refreshSeconds * 1_000 - 100);
    for (const tenantId of await listTenants(this.deps.redis, this.deps.keyspace)) {
      if (await acquireThresholdsLease(this.deps.redis, this.deps.keyspace, tenantId, this.deps.leaseToken, leaseMs)) {
        const previous = await readThresholds(this.deps.redis, this.deps.keyspace, tenantId);
        const next = await this.compute(tenantId, (previous?.version ?? 0) + 1);
        await writeThresholds(this.deps.redis, this.deps.keyspace, tenantId, next);
        // From here on this process scores with the new cuts, so the band re-score below and
        // every later event agree.
        this.snapshots.set(tenantId, next);
        // Writes planned with the old cuts land before the band is read (see WriteRounds).
        await this.deps.writeRounds.settled();
        await this.rescoreMovedBands(tenantId, previous, next);
        this.deps.metrics.thresholdRefreshes.inc(); // counted once its re-score is done
        continue;
      }
      this.snapshots.set(tenantId, await readThresholds(this.deps.redis, this.deps.keyspace, tenantId));
    }
  }

  /** A new snapshot from the index sizes and the values at the cut ranks (not the whole population). */
  private async compute(tenantId: string, version: number): Promise<Thresholds> {
    const counts = await readPopulationCounts(this.deps.redis, this.deps.keyspace, tenantId);
    const values = await readValuesAtRanks(this.deps.redis, this.deps.keyspace, tenantId, thresholdRanks(counts, this.deps.policy));
    return thresholdsFromRanks(counts, (index, rank) => values.get(rankKey(index, rank)) as number, this.deps.policy, version, this.deps.clock.now(tenantId));
  }

  private async rescoreMovedBands(tenantId: string, previous: Thresholds | null, next: Thresholds): Promise<void> {
    const bands = movedCutBands(previous, next, this.deps.policy);
    if (bands !== 'all' && bands.length === 0) return;
    const refs = bands === 'all'
      ? await readPurchasingCustomers(this.deps.redis, this.deps.keyspace, tenantId)
      : await readBandCustomers(this.deps.redis, this.deps.keyspace, tenantId, bands);
    if (refs.length > 0) await this.rescore(refs);
    this.deps.metrics.thresholdsRescored.inc(refs.length);
    this.deps.logger.info({
      tenantId, version: next.version, bands: bands === 'all' ? 'all' : bands.length,
      rescored: refs.length, purchasingCustomers: next.purchasingCustomers,
    }, 'thresholds moved: re-scored the customers in the moved bands');
  }
}
