/**
 * The one hypergeometric series the lifetime model needs, summed so that it cannot overflow,
 * go NaN or lose the small difference BG/NBD's expectation is made of.
 *
 * `hyp2f1Excess(a, b, c, z)` is c·(₂F₁(a, b; c; z) − 1)/b, i.e.
 *   Σ_{n≥1} (a)_n (b+1)_{n−1} / ((c+1)_{n−1} n!) zⁿ.
 * Folding the 1/b and the c into the coefficients (rather than dividing and multiplying after)
 * is what lets the caller pass b → 0 (BG/NBD's a → 1, where the textbook form is 0/0) and
 * −1 < c ≤ 0 (BG/NBD's a + b < 1 with x = 0, where ₂F₁ itself has a pole at c = 0) without a
 * special case. Only 0 ≤ z < 1: the caller applies Euler's transformation first, which maps
 * BG/NBD's argument into [0, 1) with coefficients whose series converges there.
 */

/** relative size of the neglected tail at which the sum stops (below half an ulp) */
const TAIL_EPSILON = 1e-17;

/**
 * A hard cap so that a pathological input cannot spin: the series needs about
 * 40 / (1 − z) terms, so the cap allows 1 − z down to ~4e-6 (in BG/NBD, a horizon 250,000 times
 * α + T; twenty years of days against α ≥ 0.1 day stays well inside).
 */
export const MAX_SERIES_TERMS = 10_000_000;

export class SeriesDivergenceError extends RangeError {
  override readonly name = 'SeriesDivergenceError';
}

export function hyp2f1Excess(a: number, b: number, c: number, z: number): number {
  if (!(z >= 0 && z < 1)) throw new RangeError(`hyp2f1Excess: z must be in [0, 1), got ${z}`);
  if (!(c > -1)) throw new RangeError(`hyp2f1Excess: c must be > −1, got ${c}`);
  if (z === 0) return 0;
  // Neumaier (compensated) summation: the series can run to 10⁵ terms of one sign, where plain
  // summation would lose a few digits to rounding.
  let term = a * z;
  let sum = term;
  let compensation = 0;
  // Past n₀ every factor of the ratio is positive (no more sign changes) and the ratio
  // ρₙ·z is eventually monotone, so the tail after term n is bounded by |termₙ|·q/(1−q) with
  // q = max(z, ρₙ·z) (a geometric majorant).
  const n0 = Math.max(0, -a, -b) + 1;
  for (let n = 1; n < MAX_SERIES_TERMS; n++) {
    const ratio = ((a + n) * (b + n)) / ((c + n) * (n + 1));
    term *= ratio * z;
    const next = sum + term;
    compensation += Math.abs(sum) >= Math.abs(term) ? (sum - next) + term : (term - next) + sum;
    sum = next;
    if (n > n0) {
      const q = Math.max(z, ratio * z);
      if (q < 1 && Math.abs(term) * q <= TAIL_EPSILON * (1 - q) * Math.abs(sum + compensation)) {
        return sum + compensation;
      }
    }
    if (term === 0) return sum + compensation;
  }
  throw new SeriesDivergenceError(`hyp2f1Excess(${a}, ${b}, ${c}, ${z}) did not converge in ${MAX_SERIES_TERMS} terms`);
}

/** (1 − e^{−u}) / u, continuous at u = 0 (= 1); exact to rounding for every finite u. */
export function oneMinusExpOver(u: number): number {
  return u === 0 ? 1 : -Math.expm1(-u) / u;
}

/** log(1 + eᵘ) without overflow for large u */
export function log1pExp(u: number): number {
  return u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u));
}
