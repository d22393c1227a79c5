/**
 * Maximum-likelihood fits of BG/NBD and Gamma-Gamma over weighted cells of identical
 * sufficient statistics. The optimiser works on log-parameters, so every trial point is a valid
 * (positive) parameter set and no constrained method is needed. A fit that cannot be trusted
 * comes back as a failure with a reason, so that the caller keeps its previous snapshot
 * (DESIGN section 1) instead of scoring with it.
 */
import {
  assertBgNbdParams, assertCustomer, bgNbdTotalLogLikelihood, type BgNbdCell, type BgNbdParams,
} from './bgnbd.js';
import {
  assertGammaGammaParams, gammaGammaTotalLogLikelihood, type GammaGammaCell, type GammaGammaParams,
} from './gammagamma.js';
import { nelderMead } from './neldermead.js';

export type FitFailureReason =
  /** the optimiser ran out of iterations before the likelihood settled */
  | 'no_convergence'
  /** fewer repeat buyers than `minRepeatBuyers`: the repeat-purchase and drop-out (or spend) parameters are not identified */
  | 'too_few_repeat_buyers'
  /** the likelihood is not finite at the answer */
  | 'degenerate'
  /** Gamma-Gamma only: q ≤ 1 makes the expected spend infinite */
  | 'q_le_1';

export type FitResult<P> =
  | {
    ok: true; params: P; logLikelihood: number; iterations: number; converged: true;
    /** parameters held at their bound (see SOFT_BOUND): the data sit at a limit of the model */
    atBound: Array<keyof P>;
  }
  | { ok: false; reason: FitFailureReason; message: string; iterations: number; best?: { params: P; logLikelihood: number } };

export interface FitOptions<P> {
  /** warm start, typically the previous snapshot's parameters */
  start?: P;
  /** default 20 (customers, i.e. summed weight, with x > 0) */
  minRepeatBuyers?: number;
  /** Nelder-Mead iterations over all restarts; default 20,000 */
  maxIterations?: number;
}

export const DEFAULT_MIN_REPEAT_BUYERS = 20;
/**
 * Log-parameters may move SOFT_BOUND (a factor e^10 ≈ 22,000) from the cold start freely; beyond
 * it a quadratic penalty holds them. The cold start carries the data's time or money unit, so the
 * bound does not depend on the unit. Real data can sit at a limit of the model, where the
 * likelihood only keeps rising towards a parameter of 0 or ∞: nobody has dropped out yet (BG/NBD
 * a → 0), everybody buys at the same rate (r, α → ∞ with r/α fixed), everybody spends alike
 * (Gamma-Gamma p, q → ∞). Unbounded, the simplex crawls along that ridge until its iteration
 * budget runs out, and every refit fails. Held at the bound, the fit converges to a model that is
 * that limit for every practical purpose (a Beta with a = e^-10 is "nobody drops out", a Gamma
 * with shape 22,000 is "one rate"), and it predicts as such. The published CDNOW fits are far
 * inside the bound, so it does not touch them.
 */
const SOFT_BOUND = 10;
const BOUND_PENALTY = 1;
/** a parameter this close to the bound (or past it) is reported in `atBound` */
const AT_BOUND = SOFT_BOUND - 0.01;
/** far beyond any answer the penalty allows: trial points there are not even evaluated */
const LOG_BOX = 30;
/**
 * a restart that improves the mean log-likelihood by less than this (relative to its size) has
 * found the optimum: near a bound the simplex can creep by 1e-11 a round, which is rounding
 */
const RESTART_TOLERANCE = 1e-10;
const MAX_RESTARTS = 10;

/** Groups customers with identical statistics into weighted cells, in order of first appearance. */
export function groupCells<C extends object>(customers: Iterable<C>, key: (c: C) => string): Array<C & { weight: number }> {
  const cells = new Map<string, C & { weight: number }>();
  for (const c of customers) {
    const k = key(c);
    const cell = cells.get(k);
    if (cell) cell.weight += 1;
    else cells.set(k, { ...c, weight: 1 });
  }
  return [...cells.values()];
}

export function fitBgNbd(cells: readonly BgNbdCell[], options: FitOptions<BgNbdParams> = {}): FitResult<BgNbdParams> {
  let total = 0;
  let repeat = 0;
  let weightedT = 0;
  for (const c of cells) {
    assertCustomer(c.x, c.tx, c.T);
    assertWeight(c.weight);
    total += c.weight;
    weightedT += c.weight * c.T;
    if (c.x > 0) repeat += c.weight;
  }
  const minRepeat = options.minRepeatBuyers ?? DEFAULT_MIN_REPEAT_BUYERS;
  if (repeat < minRepeat) {
    return { ok: false, reason: 'too_few_repeat_buyers', message: `${repeat} repeat buyers, at least ${minRepeat} needed`, iterations: 0 };
  }
  if (options.start) assertBgNbdParams(options.start);
  // The cold start scales α with the data's time unit (mean age), so a fit in days follows
  // the same path as one in weeks, shifted by log 7 in log α.
  const cold = { r: 1, alpha: weightedT > 0 ? weightedT / total : 1, a: 1, b: 1 };
  const start = options.start ?? cold;
  const toParams = (v: readonly number[]): BgNbdParams => ({ r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), a: Math.exp(v[2]!), b: Math.exp(v[3]!) });
  const toLogs = (p: BgNbdParams): number[] => [p.r, p.alpha, p.a, p.b].map(Math.log);
  return fit((v) => bgNbdTotalLogLikelihood(toParams(v), cells) / total, toLogs(start), toLogs(cold), toParams, ['r', 'alpha', 'a', 'b'], total, options);
}

/** Fits over the cells with x > 0 and zbar > 0 (Gamma-Gamma says nothing about the others). */
export function fitGammaGamma(cells: readonly GammaGammaCell[], options: FitOptions<GammaGammaParams> = {}): FitResult<GammaGammaParams> {
  const used = cells.filter((c) => {
    assertWeight(c.weight);
    if (!(Number.isFinite(c.x) && c.x >= 0 && Number.isFinite(c.zbar) && c.zbar >= 0)) {
      throw new RangeError(`Gamma-Gamma cells need finite x ≥ 0 and zbar ≥ 0, got x ${c.x}, zbar ${c.zbar}`);
    }
    return c.x > 0 && c.zbar > 0 && c.weight > 0;
  });
  const total = used.reduce((s, c) => s + c.weight, 0);
  const minRepeat = options.minRepeatBuyers ?? DEFAULT_MIN_REPEAT_BUYERS;
  if (total < minRepeat) {
    return { ok: false, reason: 'too_few_repeat_buyers', message: `${total} repeat buyers with spend, at least ${minRepeat} needed`, iterations: 0 };
  }
  if (options.start) assertGammaGammaParams(options.start);
  // γ carries the money unit: start it at the mean spend so the path does not depend on the currency.
  const meanSpend = used.reduce((s, c) => s + c.weight * c.zbar, 0) / total;
  const cold = { p: 1, q: 2, gamma: meanSpend };
  const start = options.start ?? cold;
  const toParams = (v: readonly number[]): GammaGammaParams => ({ p: Math.exp(v[0]!), q: Math.exp(v[1]!), gamma: Math.exp(v[2]!) });
  const toLogs = (p: GammaGammaParams): number[] => [p.p, p.q, p.gamma].map(Math.log);
  const result = fit((v) => gammaGammaTotalLogLikelihood(toParams(v), used) / total, toLogs(start), toLogs(cold), toParams, ['p', 'q', 'gamma'], total, options);
  if (result.ok && !(result.params.q > 1)) {
    return {
      ok: false, reason: 'q_le_1', message: `q = ${result.params.q} ≤ 1: the expected spend would be infinite`,
      iterations: result.iterations, best: { params: result.params, logLikelihood: result.logLikelihood },
    };
  }
  return result;
}

function assertWeight(w: number): void {
  if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`cell weight must be finite and ≥ 0, got ${w}`);
}

/**
 * Maximises meanLogLikelihood over log-parameters: Nelder-Mead, then restarts from its own answer
 * with a fresh small simplex until a restart no longer improves (a simplex can collapse short
 * of the optimum; the restart is the standard remedy). A restart that stalls on a ridge flat to
 * rounding without improving has also found the optimum: the likelihood cannot tell the points
 * along it apart.
 */
function fit<P>(
  meanLogLikelihood: (v: readonly number[]) => number, start: number[], center: readonly number[], toParams: (v: readonly number[]) => P,
  names: Array<keyof P>, totalWeight: number, options: FitOptions<P>,
): FitResult<P> {
  const maxIterations = options.maxIterations ?? 20_000;
  const objective = (v: readonly number[]): number => {
    let penalty = 0;
    for (let i = 0; i < v.length; i++) {
      const distance = Math.abs(v[i]! - center[i]!);
      if (distance > LOG_BOX) return Infinity;
      if (distance > SOFT_BOUND) penalty += BOUND_PENALTY * (distance - SOFT_BOUND) ** 2;
    }
    return penalty - meanLogLikelihood(v);
  };
  let iterations = 0;
  let best = { x: start, f: objective(start) };
  let settled = false;
  for (let round = 0; round < MAX_RESTARTS && iterations < maxIterations; round++) {
    const run = nelderMead(objective, best.x, { step: round === 0 ? 0.5 : 0.05, maxIterations: maxIterations - iterations });
    iterations += run.iterations;
    const improvement = best.f - run.f;
    if (run.f <= best.f) best = { x: run.x, f: run.f };
    if ((run.converged || run.stalled) && round > 0 && !(improvement > RESTART_TOLERANCE * (1 + Math.abs(run.f)))) {
      settled = true;
      break;
    }
  }
  const params = toParams(best.x);
  // the likelihood as the data give it, without the bound's penalty
  const logLikelihood = meanLogLikelihood(best.x) * totalWeight;
  if (!Number.isFinite(logLikelihood)) {
    return { ok: false, reason: 'degenerate', message: 'the log-likelihood is not finite at the best point found', iterations };
  }
  if (!settled) {
    return { ok: false, reason: 'no_convergence', message: `no stable optimum after ${iterations} iterations`, iterations, best: { params, logLikelihood } };
  }
  const atBound = names.filter((_, i) => Math.abs(best.x[i]! - center[i]!) >= AT_BOUND);
  return { ok: true, params, logLikelihood, iterations, converged: true, atBound };
}
