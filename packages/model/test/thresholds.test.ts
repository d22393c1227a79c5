import { describe, expect, it } from 'vitest';
import { computeThresholds, defaultPolicy, evaluate } from '../src/index.js';
import { NOW, NOW_DAY, ordersOn, stateOf } from './fixtures.js';

const shuffled = (xs: number[]) => [...xs].sort((a, b) => ((a * 7919) % 101) - ((b * 7919) % 101));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('computeThresholds', () => {
  it('nearest-rank quantiles of unsorted samples', () => {
    const t = computeThresholds(
      {
        lastPurchaseDays: shuffled(range(20001, 20010)),
        frequencies: [5, 1, 1, 2, 9, 3, 1], // sorted 1 1 1 2 3 5 9: ranks ceil(1.4)=2, ceil(2.8)=3, ceil(4.2)=5, ceil(5.6)=6
        monetaryCents: [700, 100],
        activeProfitsCents: shuffled(range(1, 100)).map((x) => x * 100 - 5000), // -4900 … 5000
      },
      defaultPolicy,
      7,
      NOW,
    );
    expect(t).toEqual({
      version: 7,
      computedAtMs: NOW,
      activeCustomers: 100,
      purchasingCustomers: 10,
      lastPurchaseDayCuts: [20002, 20004, 20006, 20008],
      frequencyCuts: [1, 1, 3, 5],
      monetaryCutsCents: [100, 100, 700, 700],
      medianProfitCents: 50 * 100 - 5000,
      // ranks 99, 95 (not 96: (1 − 0.01 − 0.04)·100 is 95.00000000000001 in floats), 80
      pyramidProfitCutsCents: { top: 99 * 100 - 5000, big: 95 * 100 - 5000, medium: 80 * 100 - 5000 },
    });
  });

  it('an empty population has no cuts, so evaluation uses the absolute ones', () => {
    const t = computeThresholds({ lastPurchaseDays: [], frequencies: [], monetaryCents: [], activeProfitsCents: [] }, defaultPolicy, 1, NOW);
    expect(t).toMatchObject({
      activeCustomers: 0,
      purchasingCustomers: 0,
      lastPurchaseDayCuts: null,
      frequencyCuts: null,
      monetaryCutsCents: null,
      medianProfitCents: null,
      pyramidProfitCutsCents: null,
    });
    const e = evaluate(stateOf(ordersOn([-31], 100)), NOW, t, defaultPolicy);
    expect([e.scores.r, e.scores.f, e.scores.m]).toEqual([4, 1, 2]);
  });

  it('does not mutate the sample', () => {
    const sample = { lastPurchaseDays: [3, 1, 2], frequencies: [3, 1, 2], monetaryCents: [3, 1, 2], activeProfitsCents: [3, 1, 2] };
    computeThresholds(sample, defaultPolicy, 1, NOW);
    expect(sample.lastPurchaseDays).toEqual([3, 1, 2]);
    expect(sample.activeProfitsCents).toEqual([3, 1, 2]);
  });

  it('scores a population member by quintile once the tenant is big enough', () => {
    const n = defaultPolicy.rfm.minPopulation;
    const t = computeThresholds(
      {
        lastPurchaseDays: range(1, n).map((i) => NOW_DAY - i), // 1 … 200 days ago
        frequencies: range(1, n).map((i) => i % 10),
        monetaryCents: range(1, n).map((i) => i * 1000),
        activeProfitsCents: range(1, n),
      },
      defaultPolicy,
      1,
      NOW,
    );
    // ascending, the 40th of 200 values is the one 161 days ago
    expect(t.lastPurchaseDayCuts).toEqual([NOW_DAY - 161, NOW_DAY - 121, NOW_DAY - 81, NOW_DAY - 41]);
    expect(t.monetaryCutsCents).toEqual([40_000, 80_000, 120_000, 160_000]);
    // purchased 30 days ago (absolute cuts would say R5), one order of 100 (absolute: M2)
    const e = evaluate(stateOf(ordersOn([-30], 100)), NOW, t, defaultPolicy);
    expect([e.scores.r, e.scores.f, e.scores.m]).toEqual([5, 1, 1]);
    const e2 = evaluate(stateOf(ordersOn([-100], 1500)), NOW, t, defaultPolicy);
    expect([e2.scores.r, e2.scores.m]).toEqual([3, 4]);
  });
});
