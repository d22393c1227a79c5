/**
 * Units and time. The state keeps money in integer cents so that every sum is exact and the
 * result does not depend on the order events arrive in; major units appear only at the edges.
 */

export const DAY_MS = 86_400_000;

/**
 * Rounds a non-negative or negative amount of cents to an integer, absorbing binary float
 * noise first: `x` is reduced to 15 significant digits (what a double holds reliably), so
 * 28.999999999999996 becomes 29 and 100.49999999999999 becomes 100.5, which then rounds half
 * away from zero (symmetric: negating the input negates the output). Never returns -0, which
 * would not survive a JSON round trip.
 */
export function roundCents(x: number): number {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite amount: ${x}`);
  // Fast path (most amounts): x is within float noise of an integer, which toPrecision(15)
  // would also give. Noise is relative, so the tolerance scales with x; a value near .5 takes
  // the exact path below.
  const nearest = Math.round(x);
  if (Math.abs(x) < 1e12 && Math.abs(x - nearest) <= Math.abs(x) * 1e-13) return nearest === 0 ? 0 : nearest;
  const cents = Math.round(Number(Math.abs(x).toPrecision(15)));
  return cents === 0 ? 0 : x < 0 ? -cents : cents;
}

/**
 * Major units → integer cents (0.29 → 29, 1.005 → 101). Throws a RangeError on NaN/Infinity:
 * one NaN in the state would silently poison every later sum.
 */
export function toCents(major: number): number {
  if (!Number.isFinite(major)) throw new RangeError(`toCents: not a finite amount: ${major}`);
  return roundCents(major * 100);
}

/** Cents → major units, for outputs only. */
export function fromCents(cents: number): number {
  return cents / 100;
}

/** UTC day number (days since 1970-01-01); the window and the purchase cadence count in these. */
export function utcDay(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** Derived floats (loyalty, mean satisfaction) are published with 4 decimals. */
export function round4(x: number): number {
  const r = Math.round(x * 10_000) / 10_000;
  return r === 0 ? 0 : r;
}

/**
 * ms → ISO-8601 UTC string, without the ".000" of whole seconds, as DESIGN section 3 writes
 * times (Date is used as a pure formatter here, never as a clock).
 */
export function isoTime(ms: number): string {
  // Consecutive calls often format the same time (several changes of one event): one-entry cache.
  if (ms !== lastIsoMs) {
    lastIsoMs = ms;
    lastIso = new Date(ms).toISOString().replace('.000Z', 'Z');
  }
  return lastIso;
}
let lastIsoMs = Number.NaN;
let lastIso = '';

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : isoTime(ms);
}
