import {
  applyEvents,
  defaultPolicy,
  emptyState,
  toCents,
  utcDay,
  type Channel,
  type CustomerState,
  type InteractionEvent,
  type ModelEvent,
  type OrderEvent,
  type Policy,
  type Thresholds,
} from '../src/index.js';

export const DAY = 86_400_000;
/** A fixed evaluation time: 2026-11-20T12:00:00Z. */
export const NOW = Date.UTC(2026, 10, 20, 12);
export const NOW_DAY = utcDay(NOW);

/** 10:00 UTC on the day `offset` days from NOW's day (negative = past). */
export function day(offset: number, hour = 10): number {
  return (NOW_DAY + offset) * DAY + hour * 3_600_000;
}

let seq = 0;
const nextId = (prefix: string): string => `${prefix}-${++seq}`;

/** Amounts in major units, as people write them. */
export function placed(atMs: number, amount: number, cost?: number, eventId = nextId('placed')): OrderEvent {
  return { eventId, type: 'order.placed', occurredAtMs: atMs, amountCents: toCents(amount), ...(cost === undefined ? {} : { costCents: toCents(cost) }) };
}
export function cancelled(atMs: number, amount: number, cost?: number, eventId = nextId('cancelled')): OrderEvent {
  return { ...placed(atMs, amount, cost, eventId), type: 'order.cancelled' };
}
export function refunded(atMs: number, amount: number, cost?: number, eventId = nextId('refunded')): OrderEvent {
  return { ...placed(atMs, amount, cost, eventId), type: 'order.refunded' };
}
export function interaction(
  atMs: number,
  channel: Channel,
  opts: { cost?: number; satisfaction?: number } = {},
  eventId = nextId('interaction'),
): InteractionEvent {
  return {
    eventId,
    type: 'interaction',
    occurredAtMs: atMs,
    channel,
    kind: 'support_ticket',
    ...(opts.cost === undefined ? {} : { costCents: toCents(opts.cost) }),
    ...(opts.satisfaction === undefined ? {} : { satisfaction: opts.satisfaction }),
  };
}

export function stateOf(events: readonly ModelEvent[], nowMs = NOW, policy: Policy = defaultPolicy): CustomerState {
  return applyEvents(emptyState(), events, nowMs, policy);
}

/** Orders on each of the given day offsets (amount/cost per order). */
export function ordersOn(offsets: readonly number[], amount = 100, cost: number | undefined = 50): OrderEvent[] {
  return offsets.map((o) => placed(day(o), amount, cost));
}

/** A trusted population snapshot (large tenant) with the given overrides. */
export function bigTenant(overrides: Partial<Thresholds> = {}): Thresholds {
  return {
    version: 1,
    computedAtMs: NOW,
    activeCustomers: 1000,
    purchasingCustomers: 1000,
    lastPurchaseDayCuts: [NOW_DAY - 40, NOW_DAY - 30, NOW_DAY - 20, NOW_DAY - 10],
    frequencyCuts: [1, 2, 3, 4],
    monetaryCutsCents: [10_000, 20_000, 30_000, 40_000],
    medianProfitCents: 15_000,
    pyramidProfitCutsCents: { medium: 5_000, big: 30_000, top: 100_000 },
    ...overrides,
  };
}

/** Recursively freezes a value, so that a test fails if a "pure" function mutates it. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
