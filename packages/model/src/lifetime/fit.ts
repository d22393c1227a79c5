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
  /** the likelihood is not finite at the answer, or a parameter ran off towards 0 or ∞ */
  | 'degenerate'
  /** Gamma-Gamma only: q ≤ 1 makes the expected spend infinite */
  | 'q_le_1';

export type FitResult<P> =
  | { ok: true; params: P; logLikelihood: number; iterations: number; converged: true }
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
 * log-parameters are kept within ±LOG_BOX of the cold start (which carries the data's time or
 * money unit, so the box does not depend on the unit); an answer beyond ±LOG_EDGE of it ran off
 * to 0 or ∞
 */
const LOG_BOX = 30;
const LOG_EDGE = 25;
/** a restart that improves the mean log-likelihood by less than this has found the optimum */
const RESTART_TOLERANCE = 1e-11;
const MAX_RESTARTS = 6;

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
  return fit((v) => bgNbdTotalLogLikelihood(toParams(v), cells) / total, toLogs(start), toLogs(cold), toParams, total, options);
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
  const result = fit((v) => gammaGammaTotalLogLikelihood(toParams(v), used) / total, toLogs(start), toLogs(cold), toParams, total, options);
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
 * of the optimum; the restart is the standard remedy).
 */
function fit<P>(
  meanLogLikelihood: (v: readonly number[]) => number, start: number[], center: readonly number[], toParams: (v: readonly number[]) => P,
  totalWeight: number, options: FitOptions<P>,
): FitResult<P> {
  const maxIterations = options.maxIterations ?? 20_000;
  const objective = (v: readonly number[]): number =>
    v.every((vi, i) => Math.abs(vi - center[i]!) <= LOG_BOX) ? -meanLogLikelihood(v) : Infinity;
  let iterations = 0;
  let best = { x: start, f: objective(start) };
  let settled = false;
  for (let round = 0; round < MAX_RESTARTS && iterations < maxIterations; round++) {
    const run = nelderMead(objective, best.x, { step: round === 0 ? 0.5 : 0.05, maxIterations: maxIterations - iterations });
    iterations += run.iterations;
    const improvement = best.f - run.f;
    if (run.f <= best.f) best = { x: run.x, f: run.f };
    if (run.converged && round > 0 && !(improvement > RESTART_TOLERANCE)) {
      settled = true;
      break;
    }
  }
  const params = toParams(best.x);
  const logLikelihood = -best.f * totalWeight;
  if (!Number.isFinite(logLikelihood)) {
    return { ok: false, reason: 'degenerate', message: 'the log-likelihood is not finite at the best point found', iterations };
  }
  const edge = best.x.findIndex((v, i) => Math.abs(v - center[i]!) > LOG_EDGE);
  if (edge >= 0) {
    const off = best.x[edge]! - center[edge]!;
    return {
      ok: false, reason: 'degenerate', iterations, best: { params, logLikelihood },
      message: `parameter ${edge + 1} ran off towards ${off > 0 ? '∞' : '0'} (e^${off.toFixed(1)} times its cold start): the data do not identify the model`,
    };
  }
  if (!settled) {
    return { ok: false, reason: 'no_convergence', message: `no stable optimum after ${iterations} iterations`, iterations, best: { params, logLikelihood } };
  }
  return { ok: true, params, logLikelihood, iterations, converged: true };
}
