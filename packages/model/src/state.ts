import type { CustomerState, DayBucket, LifetimeTotals } from './types.js';

/**
 * Field orders shared by the codec (positional encoding) and the aggregations. The most often
 * non-zero fields come first so that the codec can drop trailing zeros.
 */
export const BUCKET_FIELDS = [
  'orders', 'revenueCents', 'marginCents', 'refundsCents', 'refundMarginCents',
  'handlingCostCents', 'contacts', 'contactCostCents', 'satisfactionTenthsSum', 'satisfactionCount',
] as const satisfies readonly (keyof DayBucket)[];

export const LIFETIME_FIELDS = [
  'orders', 'revenueCents', 'costCents', 'grossMarginCents', 'refundsCents', 'contacts', 'contactCostCents',
  // added later: states written before them decode with 0
  'placedCents', 'firstDayPlacedCents',
] as const satisfies readonly (keyof LifetimeTotals)[];

// Compile-time guards: adding a field to DayBucket/LifetimeTotals without listing it above
// would otherwise silently drop it from the codec.
type Missing<T, L extends readonly unknown[]> = Exclude<keyof T, L[number]>;
const _bucketFieldsComplete: [Missing<DayBucket, typeof BUCKET_FIELDS>] extends [never] ? true : false = true;
const _lifetimeFieldsComplete: [Missing<LifetimeTotals, typeof LIFETIME_FIELDS>] extends [never] ? true : false = true;

export function emptyBucket(): DayBucket {
  return {
    orders: 0, revenueCents: 0, marginCents: 0, refundsCents: 0, refundMarginCents: 0,
    handlingCostCents: 0, contacts: 0, contactCostCents: 0, satisfactionTenthsSum: 0, satisfactionCount: 0,
  };
}

export function emptyLifetime(): LifetimeTotals {
  return { orders: 0, revenueCents: 0, costCents: 0, grossMarginCents: 0, refundsCents: 0, contacts: 0, contactCostCents: 0, placedCents: 0, firstDayPlacedCents: 0 };
}

export function emptyState(): CustomerState {
  return {
    firstPurchaseAtMs: null,
    lastPurchaseAtMs: null,
    lastEventAtMs: null,
    appliedEvents: 0,
    lifetime: emptyLifetime(),
    purchaseDays: [],
    window: {},
    segments: { relationship: null, pyramid: null, rfm: null },
    evaluatedAtMs: null,
    rfmScores: null,
  };
}

/**
 * A bucket whose sums are all zero (e.g. an order and its cancellation on the same day) carries
 * no information; it is deleted so that the state is canonical: the same events give the same
 * keys whichever order they came in.
 */
export function isZeroBucket(b: DayBucket): boolean {
  return BUCKET_FIELDS.every((f) => b[f] === 0);
}

/** Deep copy, so that the model's functions stay pure for their callers. */
export function cloneState(s: CustomerState): CustomerState {
  const window: Record<number, DayBucket> = {};
  for (const [day, bucket] of Object.entries(s.window)) window[Number(day)] = { ...bucket };
  return {
    firstPurchaseAtMs: s.firstPurchaseAtMs,
    lastPurchaseAtMs: s.lastPurchaseAtMs,
    lastEventAtMs: s.lastEventAtMs,
    appliedEvents: s.appliedEvents,
    lifetime: { ...s.lifetime },
    purchaseDays: [...s.purchaseDays],
    window,
    segments: {
      relationship: s.segments.relationship && { ...s.segments.relationship },
      pyramid: s.segments.pyramid && { ...s.segments.pyramid },
      rfm: s.segments.rfm && { ...s.segments.rfm },
    },
    evaluatedAtMs: s.evaluatedAtMs,
    rfmScores: s.rfmScores && [s.rfmScores[0], s.rfmScores[1], s.rfmScores[2]],
  };
}
