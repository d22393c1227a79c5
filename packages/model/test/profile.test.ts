import { describe, expect, it } from 'vitest';
import { assignSegments, defaultPolicy, evaluate, toProfile, type CustomerState } from '../src/index.js';
import { DAY, NOW, bigTenant, day, interaction, placed, refunded, stateOf } from './fixtures.js';

function evaluatedCustomer(): CustomerState {
  const s = stateOf([
    placed(Date.UTC(2025, 1, 1, 9), 200, 100), // before the window: lifetime only
    placed(day(-60), 120.5, 70.1),
    placed(day(-30), 100),
    placed(day(0, 10.25), 300, 150),
    refunded(day(-20), 20, 10),
    interaction(day(0, 11), 'call_center', { satisfaction: 7 }),
  ]);
  // population quintiles give other R/F/M than the absolute cuts would
  return assignSegments(s, evaluate(s, NOW, bigTenant(), defaultPolicy), NOW, defaultPolicy).state;
}

describe('toProfile', () => {
  it('is the GET /v1/customers body of DESIGN section 3, field for field', () => {
    const p = toProfile('shop-1', 'c-42', evaluatedCustomer(), defaultPolicy);
    expect(p).toEqual({
      tenantId: 'shop-1',
      customerId: 'c-42',
      stateVersion: 6,
      firstPurchaseAt: '2025-02-01T09:00:00Z',
      lastPurchaseAt: '2026-11-20T10:15:00Z',
      lastEventAt: '2026-11-20T11:00:00Z',
      lifetime: { orders: 4, revenue: 700.5, grossMargin: 320.4, refunds: 20, contacts: 1, contactCost: 6 },
      window: { days: 365, orders: 3, monetary: 500.5, grossMargin: 230.4, refunds: 20, contacts: 1, contactCost: 6, profit: 209.4 },
      // gaps 597, 30, 30 days: cv 1.22, consistency 0.4504 → not loyal yet
      scores: { recencyDays: 0, frequency: 3, monetary: 500.5, profit: 209.4, loyalty: 0.4504, r: 5, f: 3, m: 5, pAlive: null, clv: null },
      segments: {
        relationship: { value: 'butterfly', since: '2026-11-20T12:00:00Z' },
        pyramid: { value: 'medium', since: '2026-11-20T12:00:00Z' },
        rfm: { value: 'potential_loyalist', since: '2026-11-20T12:00:00Z' },
      },
      prediction: null, // the tenant has no fitted lifetime model
    });
  });

  it('carries the lifetime model\'s prediction, and its P(alive) and CLV among the scores, once the tenant has a model', () => {
    // Fader, Hardie & Lee's CDNOW estimates (α in days) and Fader & Hardie's Gamma-Gamma ones
    const model = { version: 7, bgnbd: { r: 0.243, alpha: 7 * 4.414, a: 0.793, b: 2.426 }, gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44 } };
    const p = toProfile('shop-1', 'c-42', evaluatedCustomer(), defaultPolicy, null, model)!;
    expect(p.prediction).toMatchObject({ expectedPurchases: { days: 365 }, clv: { horizonMonths: 12, monthlyDiscountRate: 0.01 }, modelVersion: 7 });
    const { pAlive, expectedPurchases, expectedOrderValue, clv } = p.prediction!;
    expect(pAlive).toBeGreaterThan(0.5); // bought today, on a monthly cadence
    expect(pAlive).toBeLessThanOrEqual(1);
    expect(expectedPurchases.value).toBeGreaterThan(1);
    // a repeat buyer's expected spend lies between the population mean (pγ/(q−1) = 35.2) and their own mean
    expect(expectedOrderValue).toBeGreaterThan(35.2);
    expect(clv!.value).toBeGreaterThan(0);
    expect(p.scores).toMatchObject({ pAlive, clv: clv!.value });
  });

  it('is as of the last evaluation: later calls see the same numbers and the stored R/F/M', () => {
    const s = evaluatedCustomer();
    const p = toProfile('t', 'c', s, defaultPolicy)!;
    // the absolute cuts (thresholds = null) would give another M than the stored population score
    expect(evaluate(s, NOW, null, defaultPolicy).scores.m).toBe(4);
    expect(p.scores.m).toBe(5);
    expect(toProfile('t', 'c', s, defaultPolicy)).toEqual(p);
    expect(s.evaluatedAtMs).toBe(NOW);
    expect(p.scores.recencyDays).toBe(0); // not aged by the wall clock
  });

  it('is null for a state never evaluated, with nulls for a prospect', () => {
    const s = stateOf([interaction(day(-1), 'web')]);
    expect(toProfile('t', 'c', s, defaultPolicy)).toBeNull();
    const p = toProfile('t', 'c', assignSegments(s, evaluate(s, NOW + DAY, null, defaultPolicy), NOW + DAY, defaultPolicy).state, defaultPolicy)!;
    expect(p.firstPurchaseAt).toBeNull();
    expect(p.lastPurchaseAt).toBeNull();
    expect(p.scores).toMatchObject({ recencyDays: null, r: null, f: null, m: null, loyalty: 0 });
    expect(p.segments).toEqual({
      relationship: { value: 'stranger', since: '2026-11-21T12:00:00Z' },
      pyramid: { value: 'prospect', since: '2026-11-21T12:00:00Z' },
      rfm: null,
    });
  });
});
