import { Worker } from 'node:worker_threads';
import { PollingLoop } from '@bondstream/kafka-runner';
import { fitInputs, type BgNbdParams, type LifetimeModel } from '@bondstream/model';
import {
  acquireLifetimeModelLease, listTenants, noteLifetimeModelAdopted, purchasingCustomerPages, readLifetimeModel, readLifetimeModels, samplePurchasingCustomers,
  scoringModelOf, scorersBehindLifetimeModel, writeLifetimeModel,
  type CustomerRef, type LifetimeModelSnapshot,
} from '@bondstream/redis-state';
import type { FitRequest, FitResponse, RunFit } from './lifetime-fit.js';
import type { TenantTaskDeps } from './tenant-task.js';

export type { FitRequest, FitResponse, RunFit } from './lifetime-fit.js';

/** Runs one fit in a worker thread of its own (fits are rare: a thread per fit costs nothing that matters). */
export const fitInThread: RunFit = (request) => new Promise((resolve, reject) => {
  const worker = new Worker(new URL('./lifetime-fit-thread.js', import.meta.url), { workerData: request });
  worker.once('message', (response: FitResponse) => resolve(response));
  worker.once('error', reject);
  worker.once('exit', (code) => reject(new Error(`lifetime fit thread exited with ${code} before answering`)));
});

/**
 * Refits each tenant's lifetime model (DESIGN section 1) every `policy.lifetime.refitSeconds`,
 * in the one scorer holding the tenant's lease: reads a uniform sample of at most
 * `sampleCustomers` purchasing customers (all of a smaller tenant), measures their T to the
 * tenant's evaluation time, fits in a worker thread warm-started from the previous snapshot,
 * and stores a new version. A failed or degenerate fit keeps the previous snapshot, counts the
 * reason and logs it; consumption never waits for a fit.
 */
export class LifetimeRefit {
  /** refits every tickMs (after one ends: a long fit is never overlapped), with backoff after a failure */
  private readonly loop: PollingLoop;
  private reloadTimer: NodeJS.Timeout | null = null;
  /** every tenant's current model, as scoring uses it (reloaded every MODEL_RELOAD_MS) */
  private readonly models = new Map<string, LifetimeModel>();

  constructor(
    private readonly deps: TenantTaskDeps,
    /** re-scores customers with the new model (cause `model`) */
    private readonly rescore: (refs: readonly CustomerRef[]) => Promise<unknown>,
    private readonly runFit: RunFit = fitInThread,
  ) {
    this.loop = new PollingLoop(async () => {
      await this.refitAll();
      return 0;
    }, (error) => {
      this.deps.metrics.errors.inc({ stage: 'lifetime_fit' });
      this.deps.logger.error({ err: error }, 'lifetime model refit failed; the next one retries');
    }, this.tickMs());
  }

  start(): void {
    this.loop.start();
    let reloading = false; // a reload waiting for slow rounds is not overlapped
    this.reloadTimer = setInterval(() => {
      if (reloading) return;
      reloading = true;
      this.reload()
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not reload the lifetime models; keeping the ones in hand'))
        .finally(() => { reloading = false; });
    }, MODEL_RELOAD_MS);
    this.reloadTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.reloadTimer) clearInterval(this.reloadTimer);
    await this.loop.stop();
  }

  /** The tenant's model for scoring; null before its first fit. */
  get(tenantId: string): LifetimeModel | null {
    return this.models.get(tenantId) ?? null;
  }

  /** Reads every tenant's stored model (another scorer may have refitted it) and adopts the newer ones. */
  async reload(): Promise<void> {
    const tenantIds = await listTenants(this.deps.redis, this.deps.keyspace);
    const snapshots = await readLifetimeModels(this.deps.redis, this.deps.keyspace, tenantIds);
    for (const [i, snapshot] of snapshots.entries()) {
      const tenantId = tenantIds[i]!;
      if (snapshot !== null && snapshot.version > (this.models.get(tenantId)?.version ?? 0)) await this.adopt(tenantId, snapshot);
    }
  }

  /**
   * Scores the tenant with the snapshot from now on, waits for this process's rounds planned with
   * the previous one to land, and records that (see noteLifetimeModelAdopted).
   */
  private async adopt(tenantId: string, snapshot: LifetimeModelSnapshot): Promise<void> {
    this.models.set(tenantId, scoringModelOf(snapshot));
    await this.deps.writeRounds.settled();
    await noteLifetimeModelAdopted(this.deps.redis, this.deps.keyspace, tenantId, this.deps.leaseToken, snapshot.version);
  }

  /**
   * Waits (up to ADOPTION_TIMEOUT_MS) until every live scorer has adopted the version, so that the
   * re-score after it is not overwritten by a scorer still planning with the old model. A scorer
   * that does not answer in time (stuck, or gone without leaving) does not hold the re-score up
   * for ever: it is logged, and its next evaluation of a customer uses the new model.
   */
  private async waitForAdoption(tenantId: string, version: number): Promise<void> {
    const deadline = Date.now() + ADOPTION_TIMEOUT_MS;
    for (;;) {
      const behind = await scorersBehindLifetimeModel(this.deps.redis, this.deps.keyspace, tenantId, version);
      if (behind.length === 0) return;
      if (Date.now() >= deadline) {
        this.deps.logger.warn({ tenantId, version, scorers: behind }, 'scorers have not adopted the new lifetime model in time; re-scoring anyway');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, ADOPTION_POLL_MS));
    }
  }

  /**
   * Looks at least every MAX_TICK_MS, so a tenant without a model gets its first fit soon after
   * it has enough repeat buyers, not one refit interval after the scorer started.
   */
  private tickMs(): number {
    return Math.min(this.deps.policy.lifetime.refitSeconds * 1_000, MAX_TICK_MS);
  }

  /**
   * Per tenant, this process's failed fits in a row and when the last one was: a tenant without
   * enough repeat buyers is tried again after a doubling pause (a tick, two, four, … at most
   * refitSeconds), not every tick: each try reads its whole sample, which costs Redis and this
   * event loop the same whether or not the fit can succeed.
   */
  private readonly failures = new Map<string, { count: number; atMs: number }>();

  /** Refits the tenants whose lease this process gets and whose model is missing or due. */
  async refitAll(): Promise<void> {
    const leaseMs = Math.max(1_000, this.tickMs() - 100);
    for (const tenantId of await listTenants(this.deps.redis, this.deps.keyspace)) {
      const failed = this.failures.get(tenantId);
      if (failed && Date.now() - failed.atMs < Math.min(this.deps.policy.lifetime.refitSeconds * 1_000, this.tickMs() * 2 ** (failed.count - 1))) continue;
      if (!(await acquireLifetimeModelLease(this.deps.redis, this.deps.keyspace, tenantId, this.deps.leaseToken, leaseMs))) continue;
      const current = await readLifetimeModel(this.deps.redis, this.deps.keyspace, tenantId);
      if (current === null || Date.now() - current.fittedAtMs >= this.deps.policy.lifetime.refitSeconds * 1_000) await this.refit(tenantId);
    }
  }

  /** One tenant's refit; returns the stored snapshot (the previous one when the fit failed). */
  async refit(tenantId: string): Promise<LifetimeModelSnapshot | null> {
    const { lifetime } = this.deps.policy;
    const previous = await readLifetimeModel(this.deps.redis, this.deps.keyspace, tenantId);
    const asOfMs = this.deps.clock.now(tenantId);
    const cells = fitInputs(await samplePurchasingCustomers(this.deps.redis, this.deps.keyspace, tenantId, lifetime.sampleCustomers), asOfMs);
    const version = (previous?.version ?? 0) + 1;
    const request: FitRequest = {
      purchase: cells.purchase,
      spend: cells.spend,
      minRepeatBuyers: lifetime.minRepeatBuyers,
      ...(previous && { bgnbdStart: paramsOf(previous.bgnbd) }),
      ...(previous?.gammaGamma && { gammaGammaStart: { p: previous.gammaGamma.p, q: previous.gammaGamma.q, gamma: previous.gammaGamma.gamma } }),
    };
    const stopTimer = this.deps.metrics.lifetimeFitDuration.startTimer();
    const { bgnbd, gammaGamma } = await this.runFit(request);
    stopTimer();
    this.deps.metrics.lifetimeFits.inc({ model: 'bgnbd', outcome: bgnbd.ok ? 'fitted' : bgnbd.reason });
    this.deps.metrics.lifetimeFits.inc({ model: 'gamma_gamma', outcome: gammaGamma.ok ? 'fitted' : gammaGamma.reason });
    if (!gammaGamma.ok) this.deps.logger.warn({ tenantId, reason: gammaGamma.reason, detail: gammaGamma.message }, 'Gamma-Gamma fit not used; the previous one is kept');
    if (!bgnbd.ok) {
      this.deps.logger.warn({ tenantId, reason: bgnbd.reason, detail: bgnbd.message }, 'BG/NBD fit not used; the previous model is kept');
      this.failures.set(tenantId, { count: (this.failures.get(tenantId)?.count ?? 0) + 1, atMs: Date.now() });
      return previous;
    }
    this.failures.delete(tenantId);
    const next: LifetimeModelSnapshot = {
      version,
      fittedAtMs: Date.now(),
      asOfMs,
      bgnbd: { ...bgnbd.params, logLikelihood: bgnbd.logLikelihood, customers: weightOf(request.purchase) },
      gammaGamma: gammaGamma.ok
        ? { ...gammaGamma.params, logLikelihood: gammaGamma.logLikelihood, customers: weightOf(request.spend) }
        : previous?.gammaGamma ?? null,
    };
    await writeLifetimeModel(this.deps.redis, this.deps.keyspace, tenantId, next);
    await this.adopt(tenantId, next);
    // a parameter at its bound: the data sit at a limit of the model (say, nobody has dropped out yet)
    const atBound = { bgnbd: bgnbd.atBound, gammaGamma: gammaGamma.ok ? gammaGamma.atBound : [] };
    this.deps.logger.info({ tenantId, version, bgnbd: next.bgnbd, gammaGamma: next.gammaGamma, atBound }, 'lifetime model refitted');
    await this.waitForAdoption(tenantId, version);
    await this.rescoreTenant(tenantId);
    return next;
  }

  /**
   * Re-evaluates the tenant's purchasing customers with the new model, a page at a time (each
   * page's steps are chunked, so consumed batches get their turn in between): model loyalty and
   * due times of repeat buyers move, and those whose segment moved get a change with cause
   * `model` (one-day buyers are skipped: no model moves them). Every live scorer has adopted the
   * new model before (see waitForAdoption).
   */
  private async rescoreTenant(tenantId: string): Promise<void> {
    let customers = 0;
    for await (const page of purchasingCustomerPages(this.deps.redis, this.deps.keyspace, tenantId)) {
      await this.rescore(page);
      customers += page.length;
    }
    this.deps.metrics.lifetimeRescored.inc(customers);
  }
}

/** The longest wait between two looks for tenants whose model is missing or due. */
const MAX_TICK_MS = 30_000;
/** How often every scorer reads the tenants' stored models (a refit happens in one of them). */
const MODEL_RELOAD_MS = 1_000;
/** How long a re-score waits for the other scorers to adopt a new model: several reload periods and a slow batch. */
const ADOPTION_TIMEOUT_MS = 15_000;
const ADOPTION_POLL_MS = 100;

const paramsOf = ({ r, alpha, a, b }: BgNbdParams): BgNbdParams => ({ r, alpha, a, b });

const weightOf = (cells: readonly { weight: number }[]): number => cells.reduce((n, c) => n + c.weight, 0);
