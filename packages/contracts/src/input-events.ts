import { z } from 'zod';

/**
 * Wire contract of the events platforms publish (DESIGN section 3). Unknown extra fields are
 * accepted and dropped (zod's default), so platforms can add fields without being dead-lettered.
 * Money is in major units here; the scorer converts to the model's integer cents.
 */

export const ORDER_EVENT_TYPES = ['order.placed', 'order.cancelled', 'order.refunded'] as const;

export const CHANNELS = [
  'account_manager', 'call_center', 'helpdesk', 'chat', 'email',
  'direct_mail', 'social', 'web', 'app', 'store',
] as const;

/** Documented values of `interaction.kind`; the field itself is free-form. */
export const INTERACTION_KINDS = [
  'support_ticket', 'call', 'complaint', 'campaign_contact', 'visit', 'review', 'survey',
] as const;

/**
 * Upper bound of one amount in major units. The model sums money as integer cents; keeping
 * each event far below 2^53 cents keeps a customer's lifetime sums exact, and exact sums are
 * what make applying events order-independent.
 */
export const MAX_AMOUNT = 1_000_000_000;

export const DEFAULT_TENANT_ID = 'default';

/** tenantId and customerId go into Redis Cluster hash tags `{tenant:customer}`, so no braces. */
const hashTagSafe = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^{}]*$/, { message: "must not contain '{' or '}'" });

export const eventIdSchema = z.string().min(1).max(200);
export const tenantIdSchema = hashTagSafe(100);
export const customerIdSchema = hashTagSafe(200);

/**
 * ISO-8601 with an explicit offset ('Z' or ±hh:mm): a local time without offset would be
 * read in the consumer's time zone and move events between days of the rolling window.
 */
export const isoDateTimeSchema = z.iso
  .datetime({ offset: true })
  .refine((s) => Number.isFinite(Date.parse(s)), { message: 'Invalid ISO datetime' });

const money = z.number().max(MAX_AMOUNT);

export const orderItemSchema = z.object({
  sku: z.string().min(1).max(200),
  quantity: z.number().int().positive(),
  unitPrice: money.nonnegative(),
  unitCost: money.nonnegative().optional(),
});

export const orderEventSchema = z.object({
  eventId: eventIdSchema,
  type: z.enum(ORDER_EVENT_TYPES),
  tenantId: tenantIdSchema.optional().default(DEFAULT_TENANT_ID),
  customerId: customerIdSchema,
  orderId: z.string().min(1).max(200),
  occurredAt: isoDateTimeSchema,
  // Some platforms send lower-case codes (e.g. Stripe's 'eur'); normalise rather than reject.
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, { message: 'expected a 3-letter ISO 4217 code' })
    .transform((c) => c.toUpperCase())
    .optional(),
  /**
   * For `order.refunded` the refunded amount (partial refunds allowed). > 0, except that a placed
   * order may be free (0): real logs have them (8 of the 2,357 CDNOW sample customers have only
   * a $0.00 first order) and a free order is still a purchase for recency and frequency.
   * Refunds and cancellations of 0 mean nothing and are rejected; negatives always are.
   */
  amount: money.nonnegative(),
  /** Cost of goods of `amount`; absent = the policy's default margin rate applies. */
  cost: money.nonnegative().optional(),
  items: z.array(orderItemSchema).max(1000).optional(),
}).refine((order) => order.type === 'order.placed' || order.amount > 0, {
  message: 'must be > 0 for refunds and cancellations',
  path: ['amount'],
});

export const interactionEventSchema = z.object({
  eventId: eventIdSchema,
  type: z.literal('interaction'),
  tenantId: tenantIdSchema.optional().default(DEFAULT_TENANT_ID),
  customerId: customerIdSchema,
  occurredAt: isoDateTimeSchema,
  channel: z.enum(CHANNELS),
  kind: z.string().min(1).max(100),
  /** Cost of this contact; absent = the channel's default cost from the policy. */
  cost: money.nonnegative().optional(),
  satisfaction: z.number().min(0).max(10).optional(),
});

export const inputEventSchema = z.discriminatedUnion('type', [orderEventSchema, interactionEventSchema]);

export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];
export type Channel = (typeof CHANNELS)[number];
export type OrderItem = z.infer<typeof orderItemSchema>;
export type OrderEvent = z.infer<typeof orderEventSchema>;
export type InteractionEvent = z.infer<typeof interactionEventSchema>;
export type InputEvent = z.infer<typeof inputEventSchema>;
