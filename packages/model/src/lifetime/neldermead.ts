/**
 * A small Nelder-Mead simplex minimiser (Nelder & Mead 1965, with the standard coefficients
 * and the ordering/tie rules of Lagarias et al. 1998). Written here rather than taken from npm:
 * `fmin` (the usual choice) has had no release in years, ships no types and drags in a plotting
 * dependency. The likelihoods it minimises are smooth, cheap and have 3–4 parameters, which is
 * where the derivative-free simplex is reliable; the fit restarts it from its own answer to
 * guard against a collapsed simplex (a known failure mode).
 */

export interface NelderMeadOptions {
  /** size of the initial simplex along each axis */
  step?: number;
  maxIterations?: number;
  /** stop when every vertex is within xTolerance (per coordinate) of the best … */
  xTolerance?: number;
  /** … and every vertex's value within fTolerance of the best */
  fTolerance?: number;
  /**
   * stop (stalled) when the best value has not improved by more than fTolerance × (1 + |best|)
   * for this many iterations; default 100 × dimensions
   */
  stallIterations?: number;
}

export interface NelderMeadResult {
  x: number[];
  f: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  /**
   * the best value stopped improving while the simplex had not shrunk: it lies along a direction
   * where the function is flat to rounding (a ridge), and the best value is as good as it gets
   */
  stalled: boolean;
}

const REFLECT = 1;
const EXPAND = 2;
const CONTRACT = 0.5;
const SHRINK = 0.5;

export function nelderMead(f: (x: readonly number[]) => number, start: readonly number[], options: NelderMeadOptions = {}): NelderMeadResult {
  const step = options.step ?? 0.5;
  const maxIterations = options.maxIterations ?? 5000;
  const xTol = options.xTolerance ?? 1e-9;
  const fTol = options.fTolerance ?? 1e-12;
  const n = start.length;
  const stallIterations = options.stallIterations ?? 100 * n;
  let evaluations = 0;
  // NaN (and +∞) count as the worst possible value, so the simplex walks away from them.
  const value = (x: readonly number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isNaN(v) ? Infinity : v;
  };
  const simplex: number[][] = [start.slice()];
  for (let i = 0; i < n; i++) {
    const vertex = start.slice();
    vertex[i] = vertex[i]! + step;
    simplex.push(vertex);
  }
  let values = simplex.map(value);
  const along = (from: readonly number[], to: readonly number[], t: number): number[] =>
    from.map((fi, j) => fi + t * (to[j]! - fi));

  let iterations = 0;
  let anchor = Infinity;
  let anchorIteration = 0;
  for (; iterations < maxIterations; iterations++) {
    // order best → worst (stable, so ties keep their older vertex first)
    const order = values.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0] || p[1] - q[1]).map(([, i]) => i);
    const sortedSimplex = order.map((i) => simplex[i]!);
    values = order.map((i) => values[i]!);
    simplex.splice(0, simplex.length, ...sortedSimplex);
    const best = simplex[0]!;
    const fBest = values[0]!;
    let xSpread = 0;
    let fSpread = 0;
    for (let i = 1; i <= n; i++) {
      fSpread = Math.max(fSpread, Math.abs(values[i]! - fBest));
      for (let j = 0; j < n; j++) xSpread = Math.max(xSpread, Math.abs(simplex[i]![j]! - best[j]!));
    }
    if (Number.isFinite(fBest) && xSpread <= xTol && fSpread <= fTol) {
      return { x: best.slice(), f: fBest, iterations, evaluations, converged: true, stalled: false };
    }
    if (!(fBest >= anchor - fTol * (1 + Math.abs(fBest)))) {
      anchor = fBest;
      anchorIteration = iterations;
    } else if (iterations - anchorIteration >= stallIterations) {
      return { x: best.slice(), f: fBest, iterations, evaluations, converged: false, stalled: true };
    }
    const worst = simplex[n]!;
    const fWorst = values[n]!;
    const fSecond = values[n - 1]!;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j]! += simplex[i]![j]! / n;

    // reflect the worst vertex through the centroid of the others: x_r = c + ρ(c − worst)
    const reflected = along(centroid, worst, -REFLECT);
    const fReflected = value(reflected);
    if (fReflected < fBest) {
      const expanded = along(centroid, worst, -EXPAND);
      const fExpanded = value(expanded);
      if (fExpanded < fReflected) replace(n, expanded, fExpanded);
      else replace(n, reflected, fReflected);
      continue;
    }
    if (fReflected < fSecond) {
      replace(n, reflected, fReflected);
      continue;
    }
    // contract: outside when the reflection beat the worst, inside otherwise
    const outside = fReflected < fWorst;
    const contracted = outside ? along(centroid, reflected, CONTRACT) : along(centroid, worst, CONTRACT);
    const fContracted = value(contracted);
    if (fContracted < (outside ? fReflected : fWorst)) {
      replace(n, contracted, fContracted);
      continue;
    }
    // shrink every vertex towards the best
    for (let i = 1; i <= n; i++) {
      simplex[i] = along(best, simplex[i]!, SHRINK);
      values[i] = value(simplex[i]!);
    }
  }
  const bestIndex = values.indexOf(Math.min(...values));
  return { x: simplex[bestIndex]!.slice(), f: values[bestIndex]!, iterations, evaluations, converged: false, stalled: false };

  function replace(i: number, x: number[], fx: number): void {
    simplex[i] = x;
    values[i] = fx;
  }
}
