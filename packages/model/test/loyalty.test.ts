import { describe, expect, it } from 'vitest';
import { defaultPolicy, evaluate, type Policy } from '../src/index.js';
import { NOW, day, ordersOn, stateOf } from './fixtures.js';

const loyaltyOf = (offsets: number[], policy: Policy = defaultPolicy): number =>
  evaluate(stateOf(ordersOn(offsets), NOW, policy), NOW, null, policy).scores.loyalty;

describe('loyalty heuristic', () => {
  it('a consistent monthly buyer is fully loyal', () => {
    expect(loyaltyOf([-160, -130, -100, -70, -40, -10])).toBe(1);
  });

  it('two purchase days stay below the loyal threshold', () => {
    const l = loyaltyOf([-100, -10]);
    expect(l).toBe(0.25); // repeat 1/2 × neutral consistency 1/2 × active × full tenure
    expect(l).toBeLessThan(defaultPolicy.loyalty.loyalThreshold);
  });

  it('one purchase day (even with several orders) is no loyalty yet', () => {
    expect(loyaltyOf([-200, -200, -200])).toBe(0);
    expect(loyaltyOf([-3])).toBe(0);
  });

  it('a never purchasing customer has loyalty 0', () => {
    expect(evaluate(stateOf([]), NOW, null, defaultPolicy).scores.loyalty).toBe(0);
  });

  it('a lapsed buyer (recency ≥ 3 mean gaps) is not loyal, linear decay in between', () => {
    const monthly = [-150, -120, -90, -60];
    expect(loyaltyOf(monthly)).toBe(0.6667); // recency 60 = 2 gaps: (3 − 2)/(3 − 1.5)
    expect(loyaltyOf(monthly.map((d) => d - 45))).toBe(0); // recency 105 = 3.5 gaps
    expect(loyaltyOf(monthly.map((d) => d + 15))).toBe(1); // recency 45 = 1.5 gaps, still fully active
  });

  it('irregular gaps lower consistency; short tenure holds loyalty down', () => {
    // gaps 10 and 50: mean 30, std 20, cv 2/3 → consistency 0.6; tenure 70/90; recency 10
    expect(loyaltyOf([-70, -60, -10])).toBe(0.4667);
  });

  it('follows the policy', () => {
    const strict: Policy = { ...defaultPolicy, loyalty: { ...defaultPolicy.loyalty, minPurchaseDays: 5 } };
    expect(loyaltyOf([-100, -70, -40, -10], strict)).toBe(0.75);
  });

  it('does not depend on the order purchase days arrive in (a late day splitting a gap)', () => {
    const a = stateOf([...ordersOn([-100, -10]), ...ordersOn([-55])]);
    const b = stateOf(ordersOn([-55, -10, -100]));
    expect(evaluate(a, NOW, null, defaultPolicy).scores.loyalty).toBe(evaluate(b, NOW, null, defaultPolicy).scores.loyalty);
    expect(evaluate(a, NOW, null, defaultPolicy).scores.loyalty).toBe(1);
    expect(a.lastPurchaseAtMs).toBe(day(-10));
  });
});
