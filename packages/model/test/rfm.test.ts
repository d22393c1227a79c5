import { describe, expect, it } from 'vitest';
import { defaultPolicy, evaluate, RFM_SEGMENTS, type Thresholds } from '../src/index.js';
import { NOW, bigTenant, day, ordersOn, placed, stateOf } from './fixtures.js';

// DESIGN section 1, written out cell by cell: GRID[r - 1][f - 1].
const GRID = [
  ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cannot_lose'],
  ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cannot_lose'],
  ['about_to_sleep', 'about_to_sleep', 'need_attention', 'loyal', 'loyal'],
  ['promising', 'potential_loyalist', 'potential_loyalist', 'loyal', 'loyal'],
  ['new', 'potential_loyalist', 'potential_loyalist', 'champions', 'champions'],
];

// bigTenant(): last purchase day cuts at 40/30/20/10 days ago, frequency cuts 1/2/3/4.
const LAST_PURCHASE_FOR_R = [-45, -35, -25, -15, -5];

describe('rfm segment grid', () => {
  const cells = GRID.flatMap((row, ri) => row.map((segment, fi) => ({ r: ri + 1, f: fi + 1, segment })));

  it.each(cells)('R$r F$f → $segment', ({ r, f, segment }) => {
    const last = LAST_PURCHASE_FOR_R[r - 1]!;
    const offsets = Array.from({ length: f }, (_, i) => last - 3 * i);
    const e = evaluate(stateOf(ordersOn(offsets)), NOW, bigTenant(), defaultPolicy);
    expect([e.scores.r, e.scores.f]).toEqual([r, f]);
    expect(e.segments.rfm).toBe(segment);
  });

  it('covers all ten segments', () => {
    expect(new Set(GRID.flat())).toEqual(new Set(RFM_SEGMENTS));
  });

  it('never purchased: no rfm segment and no scores', () => {
    const e = evaluate(stateOf([]), NOW, bigTenant(), defaultPolicy);
    expect(e.segments.rfm).toBeNull();
    expect([e.scores.r, e.scores.f, e.scores.m, e.scores.recencyDays]).toEqual([null, null, null, null]);
    expect(e.index).toEqual({ lastPurchaseDay: null, frequency: null, monetaryCents: null, profitCents: null });
  });
});

describe('R/F/M scores', () => {
  const scores = (offsets: number[], amount: number, thresholds: Thresholds | null = bigTenant()) => {
    const s = evaluate(stateOf(ordersOn(offsets, amount)), NOW, thresholds, defaultPolicy).scores;
    return [s.r, s.f, s.m];
  };

  it('population quintiles: a value equal to a cut is not past it', () => {
    // last purchase exactly on the 10-days-ago cut → R4; 2 orders = cut 2 → F2; 200.00 = cut → M2
    expect(scores([-10, -12], 100)).toEqual([4, 2, 2]);
    expect(scores([-9, -12], 100.01)).toEqual([5, 2, 3]);
    expect(scores([-41], 401)).toEqual([1, 1, 5]);
  });

  it('absolute cuts while the tenant has too few purchasing customers', () => {
    const small = bigTenant({ purchasingCustomers: defaultPolicy.rfm.minPopulation - 1 });
    // recency cuts 30/90/180/365 (fewer days better), frequency 1/2/4/8, monetary 50/150/500/1500
    expect(scores([-30], 50, small)).toEqual([5, 1, 1]);
    expect(scores([-31, -40], 50.01, small)).toEqual([4, 2, 2]);
    expect(scores([-91, -92, -93, -94, -95], 40, small)).toEqual([3, 4, 3]);
    expect(scores([-181], 1500.01, null)).toEqual([2, 1, 5]);
    expect(scores(Array.from({ length: 9 }, (_, i) => -10 - i), 10, null)).toEqual([5, 5, 2]);
  });

  it('R1 for a purchase before the window (absolute cuts): recency beyond 365 days', () => {
    const e = evaluate(stateOf([placed(day(-400), 100)]), NOW, null, defaultPolicy);
    expect(e.scores).toMatchObject({ recencyDays: 400, frequency: 0, monetary: 0, r: 1, f: 1, m: 1 });
    expect(e.segments.rfm).toBe('hibernating');
  });

  it('falls back to absolute cuts when the snapshot has no cuts', () => {
    expect(scores([-31], 100, bigTenant({ frequencyCuts: null }))).toEqual([4, 1, 2]);
  });
});
