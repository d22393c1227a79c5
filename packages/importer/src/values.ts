/**
 * Exact conversions of the text found in historical files: decimal strings to integer cents
 * (no binary floating point on the way, so the same file always gives the same cents) and the
 * date formats of the built-in mappings to ISO-8601 UTC.
 */

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** A decimal string as an integer count of 10^-scale units and its scale, or null. */
export function parseDecimal(text: string): { units: number; scale: number } | null {
  const m = DECIMAL.exec(text.trim());
  if (!m) return null;
  const fraction = m[3] ?? '';
  if (fraction.length > 6 || (m[2] as string).length > 12) return null;
  const units = Number(`${m[2]}${fraction}`) * (m[1] === '-' ? -1 : 1);
  return { units: units === 0 ? 0 : units, scale: fraction.length };
}

/** Rounds a non-negative rational n / d to an integer, halves away from zero (exact for safe integers). */
function roundHalfUp(n: number, d: number): number {
  const q = Math.floor(n / d);
  const r = n - q * d;
  return 2 * r >= d ? q + 1 : q;
}

/**
 * |quantity × unitPrice| in cents, rounded half away from zero, computed on integers: a price
 * of 1.3243 × 132 is exactly 174.8076, i.e. 17481 cents, on every machine.
 */
export function lineValueCents(quantity: number, unitPrice: { units: number; scale: number }): number {
  const product = Math.abs(quantity) * Math.abs(unitPrice.units);
  if (!Number.isSafeInteger(product)) throw new RangeError('quantity × price too large');
  return unitPrice.scale <= 2 ? product * 10 ** (2 - unitPrice.scale) : roundHalfUp(product, 10 ** (unitPrice.scale - 2));
}

/** A decimal amount in major units as exact cents (rounded half away from zero beyond 2 places). */
export function decimalToCents(text: string): number | null {
  const d = parseDecimal(text);
  if (d === null) return null;
  const cents = lineValueCents(1, d);
  return d.units < 0 ? -cents : cents;
}

const pad = (n: number): string => String(n).padStart(2, '0');

function isoUtc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): string | null {
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Date.UTC rolls 2/30 over to 3/2: reject what does not round-trip.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}Z`;
}

/**
 * The timestamp formats historical files use, as ISO-8601 with an offset (the contract needs
 * one). Times without an offset are taken as UTC (documented in the README):
 * `YYYYMMDD` (CDNOW), `M/D/YYYY H:MM[:SS]` (Online Retail), `YYYY-MM-DD`,
 * `YYYY-MM-DD[T ]HH:MM[:SS[.fff]]`, and ISO-8601 with `Z` or `±hh:mm` (kept as is).
 */
export function parseTimestamp(text: string): string | null {
  const t = text.trim();
  let m = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  if (m) return isoUtc(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  if (m) return isoUtc(Number(m[3]), Number(m[1]), Number(m[2]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(t);
  if (!m) return null;
  const base = isoUtc(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  if (base === null) return null;
  if (m[8] === undefined) return m[7] ? base.replace('Z', `${m[7]}Z`) : base;
  return t.replace(' ', 'T');
}
