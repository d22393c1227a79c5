import { chance, deriveSeed, integer, mulberry32, shuffle, uniform, type Random } from './prng.js';
import {
  ARCHETYPES,
  DEFAULT_MIX,
  EXPECTED_RELATIONSHIP,
  type Archetype,
  type ArchetypeMix,
  type Channel,
  type InputEvent,
  type InteractionKind,
  type Shopper,
} from './types.js';

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface GenerateOptions {
  /** Any integer; the same seed (and the same other options) gives the same output. */
  seed: number;
  /** Number of customers, ≥ 0. */
  customers: number;
  tenantId: string;
  /** Start of the simulated history (epoch ms). */
  startMs: number;
  /** End of the simulated history (epoch ms): no event is later. Use "now" or earlier. */
  endMs: number;
  /** Relative weights per archetype; defaults to DEFAULT_MIX. Missing archetypes get 0. */
  mix?: ArchetypeMix;
  /** ISO 4217 code of every order, default EUR. */
  currency?: string;
}

export interface GeneratedHistory {
  shoppers: Shopper[];
  /** Sorted by occurredAt (ties: by customer, then by the customer's own event order). */
  events: InputEvent[];
}

/** Customer ids are `c-0001`, `c-0002`, ...: zero-padded to at least 4 digits. */
export function customerIdFor(index: number, total: number): string {
  return `c-${String(index).padStart(Math.max(4, String(total).length), '0')}`;
}

/** Event ids are deterministic: the seed, the customer and the customer's event number. */
export function eventIdFor(seed: number, customerId: string, n: number | string): string {
  return `sim-${seed}-${customerId}-${n}`;
}

/**
 * Generates a synthetic tenant: `customers` shoppers of known archetypes, each with the
 * relationship segment it is built to end in (ground truth), and their order and interaction
 * events between startMs and endMs. Pure and deterministic: no clock, no Math.random.
 *
 * - loyal_high_margin (→ true_friend): buys about every 27–33 days from the first weeks of the
 *   period to its end, 80–200 per order at a ~60 % margin; now and then a chat ticket.
 * - seasonal_big_spender (→ butterfly): exactly two orders of 600–1500 at a ~60 % margin on
 *   two distinct days of the last 60 days of the period.
 * - loyal_thin_margin (→ barnacle): buys monthly like the first, but 20–40 at a ~5 % margin,
 *   and opens a call-centre support ticket about every two weeks.
 * - one_time (→ stranger): a single order of 15–60 within the last 330 days.
 *
 * For realism, loyal customers sometimes cancel (3 %) or return (4–5 %, partial or full) an
 * order, and every customer who has bought receives most of the tenant's 4-weekly e-mail
 * campaigns. Cancellations copy their order's amount and cost, as the contract expects.
 */
export function generateShoppers(options: GenerateOptions): GeneratedHistory {
  const { seed, customers, tenantId, startMs, endMs } = options;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (!Number.isSafeInteger(customers) || customers < 0) {
    throw new RangeError(`customers must be a non-negative integer, got ${customers}`);
  }
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs <= startMs) {
    throw new RangeError(`need finite startMs < endMs, got ${startMs} .. ${endMs}`);
  }
  if (tenantId.length === 0 || /[{}]/.test(tenantId)) {
    throw new RangeError(`tenantId must be non-empty and free of '{' and '}', got "${tenantId}"`);
  }
  const archetypes = assignArchetypes(seed, customers, normalizeMix(options.mix ?? DEFAULT_MIX));
  const currency = options.currency ?? 'EUR';

  const shoppers: Shopper[] = [];
  const timed: TimedEvent[] = [];
  archetypes.forEach((archetype, i) => {
    const customerId = customerIdFor(i + 1, customers);
    shoppers.push({ tenantId, customerId, archetype, expected: EXPECTED_RELATIONSHIP[archetype] });
    const builder = new CustomerBuilder({
      random: mulberry32(deriveSeed(seed, i + 1)),
      seed, tenantId, customerId, currency, startMs, endMs, customerIndex: i,
    });
    GENERATORS[archetype](builder);
    builder.campaigns(archetype === 'one_time' ? 0.5 : 0.7);
    timed.push(...builder.events);
  });
  timed.sort((a, b) => a.ms - b.ms || a.customerIndex - b.customerIndex || a.seq - b.seq);
  return { shoppers, events: timed.map((t) => t.event) };
}

/** Checks a mix: known archetypes only, finite non-negative weights, a positive total. */
export function normalizeMix(mix: ArchetypeMix): Record<Archetype, number> {
  const out = Object.fromEntries(ARCHETYPES.map((a) => [a, 0])) as Record<Archetype, number>;
  let total = 0;
  for (const [name, weight] of Object.entries(mix)) {
    if (!(ARCHETYPES as readonly string[]).includes(name)) {
      throw new RangeError(`unknown archetype "${name}" in mix (known: ${ARCHETYPES.join(', ')})`);
    }
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new RangeError(`mix weight of ${name} must be a finite number ≥ 0, got ${String(weight)}`);
    }
    out[name as Archetype] = weight;
    total += weight;
  }
  if (total <= 0) throw new RangeError('mix weights must add up to more than 0');
  for (const a of ARCHETYPES) out[a] /= total;
  return out;
}

/**
 * Exact counts by largest remainder (so 200 customers of the default mix are exactly
 * 60/40/50/50), then shuffled so archetypes are spread over the customer ids.
 */
function assignArchetypes(seed: number, customers: number, shares: Record<Archetype, number>): Archetype[] {
  const exact = ARCHETYPES.map((a) => shares[a] * customers);
  const counts = exact.map(Math.floor);
  let missing = customers - counts.reduce((s, c) => s + c, 0);
  const byRemainder = ARCHETYPES.map((_, i) => i).sort((i, j) => exact[j]! - counts[j]! - (exact[i]! - counts[i]!) || i - j);
  for (const i of byRemainder) {
    if (missing <= 0) break;
    counts[i]! += 1;
    missing -= 1;
  }
  const list = ARCHETYPES.flatMap((a, i) => Array<Archetype>(counts[i]!).fill(a));
  return shuffle(mulberry32(deriveSeed(seed, 0x7fffffff)), list);
}

interface TimedEvent {
  ms: number;
  customerIndex: number;
  seq: number;
  event: InputEvent;
}

interface BuilderContext {
  random: Random;
  seed: number;
  tenantId: string;
  customerId: string;
  customerIndex: number;
  currency: string;
  startMs: number;
  endMs: number;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Collects one customer's events; drops anything outside [startMs, endMs]. */
class CustomerBuilder {
  readonly events: TimedEvent[] = [];
  readonly random: Random;
  firstPurchaseMs: number | null = null;
  private seq = 0;
  private orders = 0;

  constructor(readonly ctx: BuilderContext) {
    this.random = ctx.random;
  }

  get spanDays(): number {
    return (this.ctx.endMs - this.ctx.startMs) / DAY_MS;
  }

  /** A shopping-hours time (08:00–21:59 UTC) on the day `ms` falls in. */
  timeOfDay(ms: number): number {
    const day = Math.floor(ms / DAY_MS) * DAY_MS;
    return day + integer(this.random, 8, 21) * HOUR_MS + integer(this.random, 0, 3599) * 1000;
  }

  /** `daysBack` whole days before the end of the period, at a shopping-hours time. */
  daysBeforeEnd(daysBack: number): number {
    return this.timeOfDay(this.ctx.endMs - daysBack * DAY_MS);
  }

  inPeriod(ms: number): boolean {
    return ms >= this.ctx.startMs && ms <= this.ctx.endMs;
  }

  private push(ms: number, event: InputEvent): void {
    this.events.push({ ms, customerIndex: this.ctx.customerIndex, seq: this.seq, event });
  }

  private nextId(): string {
    this.seq += 1;
    return eventIdFor(this.ctx.seed, this.ctx.customerId, this.seq);
  }

  /** Places an order (and maybe its cancellation or refund); false if `ms` is out of the period. */
  order(ms: number, amount: number, costRate: number | null, extras: { cancel?: number; refund?: number } = {}): boolean {
    if (!this.inPeriod(ms)) return false;
    const { tenantId, customerId, currency } = this.ctx;
    this.orders += 1;
    const orderId = `${customerId}-o${this.orders}`;
    const base = { tenantId, customerId, orderId };
    const amt = round2(amount);
    const cost = costRate === null ? undefined : round2(amt * costRate);
    const withCost = cost === undefined ? {} : { cost };
    this.push(ms, { eventId: this.nextId(), type: 'order.placed', ...base, occurredAt: iso(ms), currency, amount: amt, ...withCost });
    this.firstPurchaseMs ??= ms;

    if (extras.cancel !== undefined && chance(this.random, extras.cancel)) {
      const at = ms + Math.round(uniform(this.random, 0.5, 6) * HOUR_MS);
      if (this.inPeriod(at)) {
        this.push(at, { eventId: this.nextId(), type: 'order.cancelled', ...base, occurredAt: iso(at), currency, amount: amt, ...withCost });
        return true;
      }
    }
    if (extras.refund !== undefined && chance(this.random, extras.refund)) {
      const at = this.timeOfDay(ms + integer(this.random, 3, 14) * DAY_MS);
      const share = chance(this.random, 0.5) ? 1 : uniform(this.random, 0.3, 0.9);
      const refunded = Math.max(0.01, round2(amt * share));
      if (this.inPeriod(at)) {
        this.push(at, {
          eventId: this.nextId(), type: 'order.refunded', ...base, occurredAt: iso(at), currency, amount: refunded,
          ...(cost === undefined ? {} : { cost: Math.min(refunded, round2((refunded * cost) / amt)) }),
        });
      }
    }
    return true;
  }

  interaction(ms: number, channel: Channel, kind: InteractionKind, extra: { cost?: number; satisfaction?: number } = {}): void {
    if (!this.inPeriod(ms)) return;
    const { tenantId, customerId } = this.ctx;
    this.push(ms, { eventId: this.nextId(), type: 'interaction', tenantId, customerId, occurredAt: iso(ms), channel, kind, ...extra });
  }

  /**
   * The tenant's e-mail campaigns go out every 28 days at 10:00 UTC; a customer who has bought
   * before a campaign receives it with probability `share`.
   */
  campaigns(share: number): void {
    if (this.firstPurchaseMs === null) return;
    const firstCampaign = Math.floor(this.ctx.startMs / DAY_MS) * DAY_MS + 10 * DAY_MS + 10 * HOUR_MS;
    for (let ms = firstCampaign; ms <= this.ctx.endMs; ms += 28 * DAY_MS) {
      const at = ms + integer(this.random, 0, 1799) * 1000;
      if (at > this.firstPurchaseMs && chance(this.random, share)) this.interaction(at, 'email', 'campaign_contact');
    }
  }

  /**
   * A regular buyer: the first order in the first weeks of the period, then one every
   * `meanGap ± 4` days (each gap ≥ 23 days, so every order is on a new day) until the end.
   */
  regularOrders(onOrder: (ms: number, isRecent: boolean) => void): void {
    const meanGap = uniform(this.random, 27, 33);
    const lead = Math.min(45, this.spanDays / 6);
    let day = Math.floor((this.ctx.startMs + uniform(this.random, 0, lead) * DAY_MS) / DAY_MS);
    for (;;) {
      const ms = this.timeOfDay(day * DAY_MS);
      if (ms > this.ctx.endMs) break;
      // The last two months' orders are never cancelled: the customer must still be buying.
      onOrder(Math.max(ms, this.ctx.startMs), this.ctx.endMs - ms < 60 * DAY_MS);
      day += Math.round(meanGap + uniform(this.random, -4, 4));
    }
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const GENERATORS: Record<Archetype, (b: CustomerBuilder) => void> = {
  loyal_high_margin(b) {
    b.regularOrders((ms, recent) => {
      b.order(ms, uniform(b.random, 80, 200), uniform(b.random, 0.36, 0.44), { cancel: recent ? 0 : 0.03, refund: 0.05 });
      if (chance(b.random, 0.15)) {
        b.interaction(b.timeOfDay(ms + integer(b.random, 1, 5) * DAY_MS), 'chat', 'support_ticket', {
          satisfaction: integer(b.random, 7, 10),
        });
      }
    });
  },

  seasonal_big_spender(b) {
    // Two distinct days among the last `window` whole days before the end (never today, whose
    // shopping hours may still be ahead of the clock).
    const window = Math.max(2, Math.min(60, Math.floor(b.spanDays)));
    const first = integer(b.random, 1, window);
    let second = integer(b.random, 1, window - 1);
    if (second >= first) second += 1;
    for (const daysBack of [Math.max(first, second), Math.min(first, second)]) {
      const ms = Math.min(b.ctx.endMs, Math.max(b.ctx.startMs, b.daysBeforeEnd(daysBack)));
      b.order(ms, uniform(b.random, 600, 1500), uniform(b.random, 0.36, 0.44));
    }
  },

  loyal_thin_margin(b) {
    b.regularOrders((ms, recent) => {
      b.order(ms, uniform(b.random, 20, 40), uniform(b.random, 0.93, 0.97), { cancel: recent ? 0 : 0.03, refund: 0.04 });
    });
    if (b.firstPurchaseMs === null) return;
    // A call-centre ticket about every two weeks (11–17 days) from the first order on.
    for (let ms = b.firstPurchaseMs + integer(b.random, 2, 10) * DAY_MS; ms <= b.ctx.endMs; ms += integer(b.random, 11, 17) * DAY_MS) {
      b.interaction(b.timeOfDay(ms), 'call_center', 'support_ticket', { satisfaction: integer(b.random, 3, 8) });
    }
  },

  one_time(b) {
    const daysBack = integer(b.random, 1, Math.max(1, Math.min(330, Math.floor(b.spanDays) - 1)));
    const ms = Math.min(b.ctx.endMs, Math.max(b.ctx.startMs, b.daysBeforeEnd(daysBack)));
    b.order(ms, uniform(b.random, 15, 60), chance(b.random, 0.5) ? uniform(b.random, 0.6, 0.8) : null);
  },
};
