/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): likelihood,
 * P(alive) and conditional expected purchases for one customer's (x, t_x, T).
 *
 * x = repeat purchases (purchase days after the first), t_x = time of the last purchase,
 * T = age, all measured from the first purchase in one time unit (the services use days; α
 * carries the unit, r, a, b are unit-free). Every power and ratio is taken in log space so that
 * x in the thousands or T in decades neither overflows nor loses the result to cancellation.
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import { hyp2f1Excess, log1pExp, oneMinusExpOver } from './series.js';

export interface BgNbdParams {
  /** shape of the purchase-rate gamma heterogeneity */
  r: number;
  /** scale of the purchase-rate gamma heterogeneity, in the data's time unit */
  alpha: number;
  /** first shape of the drop-out probability's beta heterogeneity */
  a: number;
  /** second shape of the drop-out probability's beta heterogeneity */
  b: number;
}

/** one customer's sufficient statistics, or a cell of `weight` customers sharing them */
export interface BgNbdCell {
  x: number;
  tx: number;
  T: number;
  weight: number;
}

export function assertBgNbdParams(params: BgNbdParams): void {
  for (const key of ['r', 'alpha', 'a', 'b'] as const) {
    const v = params[key];
    if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`BG/NBD parameter ${key} must be finite and > 0, got ${v}`);
  }
}

export function assertCustomer(x: number, tx: number, T: number): void {
  if (!(Number.isFinite(x) && x >= 0)) throw new RangeError(`x must be finite and ≥ 0, got ${x}`);
  if (!(Number.isFinite(T) && T >= 0)) throw new RangeError(`T must be finite and ≥ 0, got ${T}`);
  if (!(Number.isFinite(tx) && tx >= 0 && tx <= T)) throw new RangeError(`t_x must be in [0, T], got ${tx} (T ${T})`);
}

/**
 * log of the odds that the customer has dropped out, log(a/(b+x−1)) + (r+x)·log((α+T)/(α+t_x)),
 * for x > 0 (with x = 0 the customer cannot have dropped out: BG/NBD drops out only right
 * after a purchase). log1p keeps (α+T)/(α+t_x) ≈ 1 accurate for recent buyers.
 */
function logDropoutOdds(p: BgNbdParams, x: number, tx: number, T: number): number {
  return Math.log(p.a) - Math.log(p.b + x - 1) + (p.r + x) * Math.log1p((T - tx) / (p.alpha + tx));
}

/** P(alive | x, t_x, T) = 1 / (1 + odds), exactly 1 for x = 0, never NaN. */
export function pAlive(params: BgNbdParams, x: number, tx: number, T: number): number {
  assertBgNbdParams(params);
  assertCustomer(x, tx, T);
  if (x === 0) return 1;
  // 1/(1+eᵘ) = e^{−log(1+eᵘ)}: underflows gracefully to 0 instead of ∞/∞.
  return Math.exp(-log1pExp(logDropoutOdds(params, x, tx, T)));
}

/**
 * E[Y(t) | x, t_x, T], the expected number of purchases in the next t time units (FHL 2005 eq. 10):
 *   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x; a+b+x−1; z)] · P(alive),
 *   z = t/(α+T+t).
 * Euler's transformation ₂F₁(A,B;C;z) = (1−z)^{C−A−B} ₂F₁(C−A, C−B; C; z) turns the product into
 *   (1−z)^{a−1} · ₂F₁(a+b−1−r, a−1; a+b+x−1; z)
 * (the exponent r+x cancels, so no huge power is ever formed, and the new series converges
 * quickly where the original one, with parameters growing with x, does not). Writing
 * ₂F₁ = 1 + (a−1)·S/c with c = a+b+x−1 and L = log((α+T+t)/(α+T)) = −log(1−z) gives
 *   E = [c·L·(1 − e^{−(a−1)L})/((a−1)L) − e^{−(a−1)L}·S] · P(alive),
 * which has no (a−1) or c denominator left: a < 1 (CDNOW's own estimate is a = 0.793), a = 1
 * (the textbook form's removable 0/0) and a + b < 1 with x = 0 (c ≤ 0) are all computed by the
 * same expression, the analytic continuation of the textbook form. For small t both terms
 * are O(z) and differ by a factor of order (r+x)/c, so the result keeps its relative accuracy
 * instead of being 1 − (something ≈ 1).
 */
export function expectedPurchases(params: BgNbdParams, x: number, tx: number, T: number, t: number): number {
  assertBgNbdParams(params);
  assertCustomer(x, tx, T);
  if (!(Number.isFinite(t) && t >= 0)) throw new RangeError(`horizon t must be finite and ≥ 0, got ${t}`);
  if (t === 0) return 0;
  const { r, alpha, a, b } = params;
  const c = a + b + x - 1;
  const L = Math.log1p(t / (alpha + T));
  const z = -Math.expm1(-L); // = t/(α+T+t), computed from L so both describe the same point
  const u = (a - 1) * L;
  const s = hyp2f1Excess(a + b - 1 - r, a - 1, c, z);
  // e^{−u}·S in log space: S can be large when a is large and z ≈ 1, e^{−u} then tiny.
  const damped = s === 0 ? 0 : Math.sign(s) * Math.exp(Math.log(Math.abs(s)) - u);
  const value = c * L * oneMinusExpOver(u) - damped;
  const alive = x === 0 ? 1 : Math.exp(-log1pExp(logDropoutOdds(params, x, tx, T)));
  return value * alive;
}

export function bgNbdLogLikelihood(params: BgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = params;
  const a1 = gammaln(r + x) - gammaln(r) + r * Math.log(alpha);
  const a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x);
  const a3 = -(r + x) * Math.log(alpha + T);
  if (x === 0) return a1 + a2 + a3;
  const a4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  const hi = Math.max(a3, a4);
  return a1 + a2 + hi + Math.log(Math.exp(a3 - hi) + Math.exp(a4 - hi));
}

/**
 * Σ weight · log-likelihood over cells of identical (x, t_x, T). The gamma-function terms depend
 * on x only, and real bases have a few dozen distinct x among thousands of cells, so they are
 * computed once per x (a fit evaluates this hundreds of times; it is most of a fit's cost).
 */
export function bgNbdTotalLogLikelihood(params: BgNbdParams, cells: readonly BgNbdCell[]): number {
  const { r, alpha, a, b } = params;
  const logAlpha = Math.log(alpha);
  const logA = Math.log(a);
  const base = gammaln(a + b) - gammaln(b) - gammaln(r) + r * logAlpha;
  const byX = new Map<number, number>();
  let total = 0;
  for (const { x, tx, T, weight } of cells) {
    if (weight === 0) continue;
    let gammas = byX.get(x);
    if (gammas === undefined) {
      gammas = base + gammaln(r + x) + gammaln(b + x) - gammaln(a + b + x);
      byX.set(x, gammas);
    }
    const a3 = -(r + x) * Math.log(alpha + T);
    let ll = gammas + a3;
    if (x > 0) {
      const a4 = logA - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
      const hi = Math.max(a3, a4);
      ll = gammas + hi + Math.log(Math.exp(a3 - hi) + Math.exp(a4 - hi));
    }
    total += weight * ll;
  }
  return total;
}
