/**
 * Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"):
 * a customer's repeat-purchase values are gamma(p, ν) around their own mean, ν is gamma(q, γ)
 * across customers. Input per customer: x = number of repeat purchases (> 0) and zbar = their
 * mean value (> 0). The first purchase is left out, as in the paper.
 */
import gammaln from '@stdlib/math-base-special-gammaln';

export interface GammaGammaParams {
  p: number;
  q: number;
  /** scale of the heterogeneity, in money units */
  gamma: number;
}

/** one repeat customer, or a cell of `weight` customers with the same (x, zbar) */
export interface GammaGammaCell {
  x: number;
  zbar: number;
  weight: number;
}

export function assertGammaGammaParams(params: GammaGammaParams): void {
  for (const key of ['p', 'q', 'gamma'] as const) {
    const v = params[key];
    if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`Gamma-Gamma parameter ${key} must be finite and > 0, got ${v}`);
  }
}

/**
 * log f(zbar | x; p, q, γ) (FH 2013 eq. 3):
 *   log Γ(px+q) − log Γ(px) − log Γ(q) + q log γ + (px−1) log zbar + px log x − (px+q) log(γ + x·zbar).
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, x: number, zbar: number): number {
  if (!(x > 0 && zbar > 0)) throw new RangeError(`Gamma-Gamma needs x > 0 and zbar > 0, got x ${x}, zbar ${zbar}`);
  const { p, q, gamma } = params;
  const px = p * x;
  return gammaln(px + q) - gammaln(px) - gammaln(q) + q * Math.log(gamma)
    + (px - 1) * Math.log(zbar) + px * Math.log(x) - (px + q) * Math.log(gamma + x * zbar);
}

/**
 * Σ weight · log-likelihood over cells (each must have x > 0 and zbar > 0); the gamma-function
 * terms depend on x only and are computed once per distinct x (they dominate a fit's cost).
 */
export function gammaGammaTotalLogLikelihood(params: GammaGammaParams, cells: readonly GammaGammaCell[]): number {
  const { p, q, gamma } = params;
  const base = q * Math.log(gamma) - gammaln(q);
  const byX = new Map<number, number>();
  let total = 0;
  for (const { x, zbar, weight } of cells) {
    if (weight === 0) continue;
    if (!(x > 0 && zbar > 0)) throw new RangeError(`Gamma-Gamma needs x > 0 and zbar > 0, got x ${x}, zbar ${zbar}`);
    const px = p * x;
    let perX = byX.get(x);
    if (perX === undefined) {
      perX = base + gammaln(px + q) - gammaln(px) + px * Math.log(x);
      byX.set(x, perX);
    }
    total += weight * (perX + (px - 1) * Math.log(zbar) - (px + q) * Math.log(gamma + x * zbar));
  }
  return total;
}

export type ExpectedOrderValue =
  | { ok: true; value: number }
  /** the population mean spend pγ/(q−1) is infinite for q ≤ 1, so is every customer's expectation */
  | { ok: false; reason: 'q_le_1' };

/**
 * E[Z | x, zbar] = p(γ + x·zbar) / (px + q − 1) (FH 2013 eq. 5): a weighted mean of the
 * population mean pγ/(q−1) and the customer's own zbar, the latter weighing more as x grows.
 * x = 0 (no repeat purchase yet) gives the population mean. Needs q > 1.
 */
export function expectedOrderValue(params: GammaGammaParams, x: number, zbar: number): ExpectedOrderValue {
  assertGammaGammaParams(params);
  if (!(Number.isFinite(x) && x >= 0)) throw new RangeError(`x must be finite and ≥ 0, got ${x}`);
  if (!(Number.isFinite(zbar) && zbar >= 0)) throw new RangeError(`zbar must be finite and ≥ 0, got ${zbar}`);
  const { p, q, gamma } = params;
  if (!(q > 1)) return { ok: false, reason: 'q_le_1' };
  return { ok: true, value: (p * (gamma + x * zbar)) / (p * x + q - 1) };
}
