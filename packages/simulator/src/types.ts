/**
 * The input events of DESIGN section 3, as plain objects ready for JSON.stringify. Declared
 * here rather than imported from @bondstream/contracts on purpose: the simulator plays an
 * outside platform, and its tests check the wire contract independently of the zod schemas.
 */

export const CHANNELS = [
  'account_manager', 'call_center', 'helpdesk', 'chat', 'email',
  'direct_mail', 'social', 'web', 'app', 'store',
] as const;
export type Channel = (typeof CHANNELS)[number];

export const INTERACTION_KINDS = [
  'support_ticket', 'call', 'complaint', 'campaign_contact', 'visit', 'review', 'survey',
] as const;
export type InteractionKind = (typeof INTERACTION_KINDS)[number];

export type OrderEventType = 'order.placed' | 'order.cancelled' | 'order.refunded';

export interface OrderEvent {
  eventId: string;
  type: OrderEventType;
  tenantId: string;
  customerId: string;
  orderId: string;
  /** ISO-8601, UTC ('Z') */
  occurredAt: string;
  currency: string;
  /** > 0, major units; for order.refunded the refunded amount */
  amount: number;
  /** cost of goods of `amount`, major units */
  cost?: number;
}

export interface InteractionEvent {
  eventId: string;
  type: 'interaction';
  tenantId: string;
  customerId: string;
  occurredAt: string;
  channel: Channel;
  kind: InteractionKind;
  cost?: number;
  /** 0..10 */
  satisfaction?: number;
}

export type InputEvent = OrderEvent | InteractionEvent;

/** The shopper archetypes the generator knows, each with the relationship it should end in. */
export const ARCHETYPES = ['loyal_high_margin', 'seasonal_big_spender', 'loyal_thin_margin', 'one_time'] as const;
export type Archetype = (typeof ARCHETYPES)[number];

export type RelationshipSegment = 'true_friend' | 'butterfly' | 'barnacle' | 'stranger';

/** Ground truth: the relationship segment each archetype is built to land in. */
export const EXPECTED_RELATIONSHIP: Readonly<Record<Archetype, RelationshipSegment>> = {
  loyal_high_margin: 'true_friend',
  seasonal_big_spender: 'butterfly',
  loyal_thin_margin: 'barnacle',
  one_time: 'stranger',
};

export interface Shopper {
  tenantId: string;
  customerId: string;
  archetype: Archetype;
  expected: RelationshipSegment;
}

export type ArchetypeMix = Partial<Record<Archetype, number>>;

/**
 * The default population, as weights per 200 customers (so 200 customers are exactly
 * 61 / 40 / 50 / 49). Just over half of it is built to be profitable, on purpose: once the
 * tenant has enough active customers the model calls "profitable" everything at or above the
 * median profit (nearest rank, rank ⌈n/2⌉), so about half the population is profitable by
 * definition. With 101 of 200 built profitable the median is the least profitable of them and
 * the labels agree with the model; a mix far from 50/50 would disagree by construction.
 */
export const DEFAULT_MIX: Readonly<Record<Archetype, number>> = {
  loyal_high_margin: 61,
  seasonal_big_spender: 40,
  loyal_thin_margin: 50,
  one_time: 49,
};
