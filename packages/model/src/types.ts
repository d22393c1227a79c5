import type { Prediction } from './prediction.js';

/**
 * The relationship model's vocabulary. Money is kept in integer minor units (cents) inside the
 * state so that sums are exact and therefore independent of the order events arrive in;
 * it is converted to major units only at the edges (scores, profiles, outputs).
 */

export const DIMENSIONS = ['relationship', 'pyramid', 'rfm'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const RELATIONSHIP_SEGMENTS = ['true_friend', 'butterfly', 'barnacle', 'stranger'] as const;
export const PYRAMID_SEGMENTS = ['top', 'big', 'medium', 'small', 'inactive', 'prospect'] as const;
export const RFM_SEGMENTS = [
  'champions', 'loyal', 'potential_loyalist', 'new', 'promising',
  'need_attention', 'about_to_sleep', 'at_risk', 'cannot_lose', 'hibernating',
] as const;
export type RelationshipSegment = (typeof RELATIONSHIP_SEGMENTS)[number];
export type PyramidSegment = (typeof PYRAMID_SEGMENTS)[number];
export type RfmSegment = (typeof RFM_SEGMENTS)[number];
export const SEGMENTS: { [D in Dimension]: readonly string[] } = {
  relationship: RELATIONSHIP_SEGMENTS,
  pyramid: PYRAMID_SEGMENTS,
  rfm: RFM_SEGMENTS,
};

export const CHANNELS = [
  'account_manager', 'call_center', 'helpdesk', 'chat', 'email',
  'direct_mail', 'social', 'web', 'app', 'store',
] as const;
export type Channel = (typeof CHANNELS)[number];

export const ORDER_TYPES = ['order.placed', 'order.cancelled', 'order.refunded'] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

/** An order event in model units (the scorer converts from the wire contract). */
export interface OrderEvent {
  eventId: string;
  type: OrderType;
  occurredAtMs: number;
  /** > 0. For a refund, the refunded amount. */
  amountCents: number;
  /** Cost of goods of `amountCents`; absent = the policy's default margin rate applies. */
  costCents?: number;
}

export interface InteractionEvent {
  eventId: string;
  type: 'interaction';
  occurredAtMs: number;
  channel: Channel;
  kind: string;
  /** Absent = the channel's default cost from the policy. */
  costCents?: number;
  /** 0..10 */
  satisfaction?: number;
}

export type ModelEvent = OrderEvent | InteractionEvent;

/** Aggregates of one UTC day; the rolling window is the sum of the buckets inside it. */
export interface DayBucket {
  /** orders placed minus orders cancelled */
  orders: number;
  /** revenue placed minus cancelled (refunds are kept apart) */
  revenueCents: number;
  /** gross margin placed minus cancelled */
  marginCents: number;
  refundsCents: number;
  /** margin given back by refunds */
  refundMarginCents: number;
  /** return handling cost of refunds */
  handlingCostCents: number;
  contacts: number;
  contactCostCents: number;
  /** sum of satisfaction scores ×10 (integer, exact) and how many there were */
  satisfactionTenthsSum: number;
  satisfactionCount: number;
}

export interface LifetimeTotals {
  /** placed minus cancelled */
  orders: number;
  /** net of cancellations and refunds */
  revenueCents: number;
  /** net of cancellations and refunded margin */
  grossMarginCents: number;
  refundsCents: number;
  costCents: number;
  contacts: number;
  contactCostCents: number;
  /**
   * Placed order value, cancellations and refunds not subtracted, in all and on the first
   * purchase day: the spend per repeat purchase day of the Gamma-Gamma model is
   * (placedCents − firstDayPlacedCents) / repeat days. A cancelled or refunded order still
   * marks a visit to buy (as `purchaseDays` does); what it gives back counts in profit.
   */
  placedCents: number;
  firstDayPlacedCents: number;
}

export interface SegmentAssignment {
  value: string;
  sinceMs: number;
}

/** Everything the model knows about one customer. Pure data, JSON-serialisable. */
export interface CustomerState {
  firstPurchaseAtMs: number | null;
  lastPurchaseAtMs: number | null;
  lastEventAtMs: number | null;
  /** Number of distinct events applied: the state version, independent of batching. */
  appliedEvents: number;
  lifetime: LifetimeTotals;
  /** Sorted distinct UTC day numbers (days since 1970-01-01) with a placed order. */
  purchaseDays: number[];
  /** Day buckets inside the rolling window, keyed by UTC day number. */
  window: Record<number, DayBucket>;
  segments: { [D in Dimension]: SegmentAssignment | null };
  /**
   * When the segments were last evaluated, and the R/F/M scores used then (they depend on the
   * population snapshot of that moment, so they are kept; everything else is recomputed from
   * the aggregates at evaluatedAtMs). Null until the first evaluation / for non-purchasers.
   */
  evaluatedAtMs: number | null;
  rfmScores: [r: number, f: number, m: number] | null;
}

/** Totals of the rolling window at evaluation time, major units. */
export interface WindowTotals {
  days: number;
  orders: number;
  monetary: number;
  grossMargin: number;
  refunds: number;
  contacts: number;
  contactCost: number;
  profit: number;
  /** mean satisfaction in the window, null without surveys */
  satisfaction: number | null;
}

export interface Scores {
  /** null for a customer who never purchased */
  recencyDays: number | null;
  frequency: number;
  monetary: number;
  profit: number;
  loyalty: number;
  /** 1..5, null for a customer who never purchased */
  r: number | null;
  f: number | null;
  m: number | null;
  /** the lifetime model's P(alive) and CLV (major units); null while the tenant has no fitted model */
  pAlive: number | null;
  clv: number | null;
}

/**
 * Population-relative cut points of one tenant, computed from the population indexes and
 * refreshed periodically. Arrays of cuts are ascending. Null = not enough population:
 * the policy's absolute cut points apply.
 */
export interface Thresholds {
  version: number;
  computedAtMs: number;
  /** customers with a purchase inside the window */
  activeCustomers: number;
  /** customers with any purchase */
  purchasingCustomers: number;
  /** 20/40/60/80 % quantiles of the last purchase day (UTC day number) */
  lastPurchaseDayCuts: number[] | null;
  /** 20/40/60/80 % quantiles of window frequency */
  frequencyCuts: number[] | null;
  /** 20/40/60/80 % quantiles of window monetary, cents */
  monetaryCutsCents: number[] | null;
  /** median window profit of active customers, cents */
  medianProfitCents: number | null;
  /** profit (cents) at the 80th, 95th and 99th percentile of active customers */
  pyramidProfitCutsCents: { medium: number; big: number; top: number } | null;
}

/** The values the population indexes hold for a customer (null = not in that index). */
export interface IndexValues {
  lastPurchaseDay: number | null;
  frequency: number | null;
  monetaryCents: number | null;
  /** only for active customers (purchase inside the window) */
  profitCents: number | null;
}

export interface Evaluation {
  scores: Scores;
  /** the lifetime model's prediction; null without a model or a purchase */
  prediction: Prediction | null;
  window: WindowTotals;
  segments: { [D in Dimension]: string | null };
  index: IndexValues;
}

export type ChangeCauseKind = 'event' | 'clock' | 'thresholds' | 'model';

export interface SegmentChange {
  dimension: Dimension;
  from: string | null;
  to: string;
  atMs: number;
}
