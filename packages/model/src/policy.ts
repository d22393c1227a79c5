import { defaultActionsPolicy, type ActionsPolicy } from './actions.js';
import type { Channel } from './types.js';

/**
 * Every tunable of the model. Money in major units (as people write it in the policy file).
 * packages/config validates the policy file against this shape and fills in these defaults.
 */
export interface Policy {
  /** Length of the rolling window in whole UTC days. */
  windowDays: number;
  /** Margin rate assumed for an order or refund without `cost`. */
  defaultMarginRate: number;
  /** Cost of handling one refund (return shipping, restocking). */
  returnHandlingCost: number;
  /** Default cost of one contact per channel, used when an interaction has no `cost`. */
  channelCosts: Record<Channel, number>;
  /** Events further than this in the future of the wall clock are dead-lettered. */
  maxFutureSkewSeconds: number;
  /**
   * Events that occurred before this UTC day (`YYYY-MM-DD`) are dead-lettered: such a date is a
   * platform bug (an unset date read as 0001-01-01 or the epoch), not a real purchase. Read it
   * through `earliestPlausibleMs`.
   */
  earliestPlausibleDate: string;
  loyalty: {
    /** Distinct purchase days that make a repeat buyer. */
    minPurchaseDays: number;
    /** loyalty >= this counts as loyal. */
    loyalThreshold: number;
    /** Tenure (days since first purchase) at which tenure no longer holds loyalty down. */
    fullTenureDays: number;
    /** recency up to this multiple of the customer's mean gap counts as fully active ... */
    activeGapMultiple: number;
    /** ... and from this multiple on as lapsed (linear in between). */
    lapsedGapMultiple: number;
  };
  relationship: {
    /** Below this many active customers the tenant median is not trusted: minProfit applies. */
    minPopulation: number;
    /** Absolute profitability cut (window profit) for small tenants. */
    minProfit: number;
  };
  pyramid: {
    /** Shares of active customers, by profit rank. */
    topShare: number;
    bigShare: number;
    mediumShare: number;
    /** Absolute window-profit cuts while the tenant has fewer than relationship.minPopulation active customers. */
    absoluteProfitCuts: { top: number; big: number; medium: number };
  };
  rfm: {
    /** Below this many purchasing customers the absolute cuts below apply instead of quintiles. */
    minPopulation: number;
    /** Ascending cut points: a score is 1 + the number of cuts the value is past. */
    absoluteCuts: {
      /** recency in days; fewer days is better (R 5 = at most the first cut) */
      recencyDays: [number, number, number, number];
      frequency: [number, number, number, number];
      monetary: [number, number, number, number];
    };
  };
  thresholds: {
    /** How often the population cut points are recomputed. */
    refreshSeconds: number;
  };
  /** The lifetime model (BG/NBD and Gamma-Gamma), refitted per tenant from its cells. */
  lifetime: {
    /** How often a tenant's model is refitted. */
    refitSeconds: number;
    /** No fit below this many repeat buyers (the drop-out and spend parameters are not identified). */
    minRepeatBuyers: number;
    /** A refit uses at most this many customers: a uniform sample of the tenant's cells beyond. */
    sampleCustomers: number;
    /** Expected purchases are reported over this many days. */
    horizonDays: number;
    /** CLV: months summed and the monthly discount rate (lifetimes' definition). */
    clvHorizonMonths: number;
    monthlyDiscountRate: number;
  };
  /**
   * Damping for customers hovering at a cut point. Both default to 0, which keeps DESIGN
   * section 4's guarantee that any permutation of the same events gives the same final
   * segments: a margin makes the segment depend on the segment before it, and a dwell holds a
   * change back (the clock applies it when the dwell ends, so final values converge again).
   */
  hysteresis: {
    /**
     * To leave its segment a customer must be past the cut point by this fraction of the cut
     * (0.05 = 5 %; for R, of the cut's recency in days).
     */
    margin: number;
    /** A dimension keeps a value at least this long before it may change again (first assignments are never held). */
    minDwellDays: number;
  };
  /** Segment transitions → customer actions (services/actions; DESIGN section 5). */
  actions: ActionsPolicy;
}

export const defaultPolicy: Policy = {
  windowDays: 365,
  defaultMarginRate: 0.3,
  returnHandlingCost: 5,
  // account manager > call centre > helpdesk > chat > direct mail > email/social/web (DESIGN 1)
  channelCosts: {
    account_manager: 40,
    call_center: 6,
    helpdesk: 4,
    store: 3,
    chat: 2,
    direct_mail: 1.5,
    email: 0.1,
    social: 0.1,
    web: 0.05,
    app: 0.05,
  },
  maxFutureSkewSeconds: 300,
  earliestPlausibleDate: '1990-01-01',
  loyalty: {
    minPurchaseDays: 3,
    loyalThreshold: 0.5,
    fullTenureDays: 90,
    activeGapMultiple: 1.5,
    lapsedGapMultiple: 3,
  },
  relationship: { minPopulation: 200, minProfit: 50 },
  pyramid: {
    topShare: 0.01,
    bigShare: 0.04,
    mediumShare: 0.15,
    absoluteProfitCuts: { top: 2000, big: 500, medium: 100 },
  },
  rfm: {
    minPopulation: 200,
    absoluteCuts: {
      recencyDays: [30, 90, 180, 365],
      frequency: [1, 2, 4, 8],
      monetary: [50, 150, 500, 1500],
    },
  },
  thresholds: { refreshSeconds: 10 },
  lifetime: { refitSeconds: 3_600, minRepeatBuyers: 20, sampleCustomers: 50_000, horizonDays: 365, clvHorizonMonths: 12, monthlyDiscountRate: 0.01 },
  hysteresis: { margin: 0, minDwellDays: 0 },
  actions: defaultActionsPolicy,
};

/**
 * The start (UTC midnight) of the policy's earliest plausible day, in epoch ms. The date is
 * validated by packages/config; callers convert it once, not per event.
 */
export function earliestPlausibleMs(policy: Pick<Policy, 'earliestPlausibleDate'>): number {
  return Date.parse(`${policy.earliestPlausibleDate}T00:00:00Z`);
}
