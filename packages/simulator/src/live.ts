import { customerIdFor, eventIdFor } from './generate.js';
import { chance, deriveSeed, integer, mulberry32, pick, uniform, type Random } from './prng.js';
import { EXPECTED_RELATIONSHIP, type InputEvent, type Shopper } from './types.js';

export interface LiveFeedOptions {
  seed: number;
  /** The shoppers of the generated history; live events mostly continue their stories. */
  shoppers: readonly Shopper[];
  tenantId: string;
  /** Share of live events that come from a brand-new customer's first order (default 0.03). */
  newCustomerShare?: number;
  currency?: string;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * A trickle of "live" events after the history, stamped with the time the caller passes (the
 * wall clock, so they are never in the future). Each event continues a shopper's story in
 * character: true friends buy again or chat, barnacles call the call centre or buy a little,
 * butterflies occasionally come back for a third big order (enough repeat buying to turn into
 * true friends once they have some tenure), one-time buyers mostly just get e-mails.
 * Deterministic for the same seed and the same sequence of `next` calls.
 */
export class LiveFeed {
  private readonly random: Random;
  private readonly shoppers: Shopper[];
  private readonly total: number;
  private readonly newCustomerShare: number;
  private readonly currency: string;
  private count = 0;
  /** Brand-new customers met during the live phase (archetype one_time). */
  readonly newShoppers: Shopper[] = [];

  constructor(private readonly options: LiveFeedOptions) {
    this.random = mulberry32(deriveSeed(options.seed, 0x4c495645)); // 'LIVE'
    this.shoppers = [...options.shoppers];
    this.total = options.shoppers.length;
    this.newCustomerShare = options.newCustomerShare ?? 0.03;
    this.currency = options.currency ?? 'EUR';
  }

  /** The next live event, occurring at `nowMs`. */
  next(nowMs: number): InputEvent {
    this.count += 1;
    const r = this.random;
    const { tenantId, seed } = this.options;
    const occurredAt = new Date(nowMs).toISOString();

    let shopper: Shopper;
    if (this.shoppers.length === 0 || chance(r, this.newCustomerShare)) {
      const customerId = customerIdFor(this.total + this.newShoppers.length + 1, this.total);
      shopper = { tenantId, customerId, archetype: 'one_time', expected: EXPECTED_RELATIONSHIP.one_time };
      this.newShoppers.push(shopper);
      this.shoppers.push(shopper);
      return this.order(shopper, occurredAt, uniform(r, 15, 60), null);
    }
    shopper = pick(r, this.shoppers);
    const eventId = eventIdFor(seed, shopper.customerId, `live${this.count}`);
    const contact = (channel: 'email' | 'chat' | 'call_center', kind: 'campaign_contact' | 'support_ticket', satisfaction?: number): InputEvent => ({
      eventId, type: 'interaction', tenantId, customerId: shopper.customerId, occurredAt, channel, kind,
      ...(satisfaction === undefined ? {} : { satisfaction }),
    });

    switch (shopper.archetype) {
      case 'loyal_high_margin':
        if (chance(r, 0.5)) return this.order(shopper, occurredAt, uniform(r, 80, 200), uniform(r, 0.36, 0.44));
        return chance(r, 0.5) ? contact('chat', 'support_ticket', integer(r, 7, 10)) : contact('email', 'campaign_contact');
      case 'loyal_thin_margin':
        if (chance(r, 0.4)) return this.order(shopper, occurredAt, uniform(r, 20, 40), uniform(r, 0.93, 0.97));
        return contact('call_center', 'support_ticket', integer(r, 3, 8));
      case 'seasonal_big_spender':
        if (chance(r, 0.3)) return this.order(shopper, occurredAt, uniform(r, 600, 1500), uniform(r, 0.36, 0.44));
        return contact('email', 'campaign_contact');
      case 'one_time':
        if (chance(r, 0.2)) return this.order(shopper, occurredAt, uniform(r, 15, 60), null);
        return contact('email', 'campaign_contact');
    }
  }

  private order(shopper: Shopper, occurredAt: string, amount: number, costRate: number | null): InputEvent {
    const amt = round2(amount);
    return {
      eventId: eventIdFor(this.options.seed, shopper.customerId, `live${this.count}`),
      type: 'order.placed',
      tenantId: this.options.tenantId,
      customerId: shopper.customerId,
      orderId: `${shopper.customerId}-live${this.count}`,
      occurredAt,
      currency: this.currency,
      amount: amt,
      ...(costRate === null ? {} : { cost: round2(amt * costRate) }),
    };
  }
}
