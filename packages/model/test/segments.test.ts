import { describe, expect, it } from 'vitest';
import { assignSegments, defaultPolicy, evaluate, type ModelEvent, type Thresholds } from '../src/index.js';
import { NOW, NOW_DAY, bigTenant, cancelled, day, deepFreeze, interaction, ordersOn, placed, stateOf } from './fixtures.js';

const MONTHLY = [-160, -130, -100, -70, -40, -10]; // loyalty 1
const evalOf = (events: ModelEvent[], thresholds: Thresholds | null = null) =>
  evaluate(stateOf(events), NOW, thresholds, defaultPolicy);
const relationshipOf = (events: ModelEvent[], thresholds: Thresholds | null = null) => evalOf(events, thresholds).segments.relationship;
const pyramidOf = (events: ModelEvent[], thresholds: Thresholds | null = null) => evalOf(events, thresholds).segments.pyramid;

describe('relationship (loyalty × profitability)', () => {
  describe('small tenant: profitable = profit ≥ minProfit (50)', () => {
    it('true_friend: loyal and profitable', () => {
      const e = evalOf(ordersOn(MONTHLY, 100, 50));
      expect(e.scores).toMatchObject({ loyalty: 1, profit: 300 });
      expect(e.segments.relationship).toBe('true_friend');
    });
    it('barnacle: loyal, but the cost to serve eats the margin', () => {
      const contacts = Array.from({ length: 7 }, (_, i) => interaction(day(-i), 'account_manager'));
      const e = evalOf([...ordersOn(MONTHLY, 100, 50), ...contacts]);
      expect(e.scores.profit).toBe(300 - 7 * 40);
      expect(e.segments.relationship).toBe('barnacle');
    });
    it('butterfly: profitable one-off buyer', () => {
      expect(relationshipOf([placed(day(-5), 200, 100)])).toBe('butterfly');
      expect(relationshipOf([placed(day(-5), 100, 50)])).toBe('butterfly'); // profit exactly minProfit
    });
    it('stranger: neither', () => {
      expect(relationshipOf([placed(day(-5), 20, 10)])).toBe('stranger');
      expect(relationshipOf([interaction(day(-1), 'web')])).toBe('stranger');
    });
    it('the tenant median is ignored below minPopulation active customers', () => {
      expect(relationshipOf([placed(day(-5), 200, 100)], bigTenant({ activeCustomers: 199 }))).toBe('butterfly');
    });
  });

  describe('big tenant: profitable = profit ≥ the median profit of active customers (150)', () => {
    const t = bigTenant({ medianProfitCents: 15_000 });
    it('true_friend', () => expect(relationshipOf(ordersOn(MONTHLY, 100, 50), t)).toBe('true_friend'));
    it('barnacle: loyal, profit 120 is below the median (though above minProfit)', () => {
      expect(relationshipOf(ordersOn(MONTHLY, 100, 80))).toBe('true_friend');
      expect(relationshipOf(ordersOn(MONTHLY, 100, 80), t)).toBe('barnacle');
    });
    it('butterfly: profit 200 ≥ median, not loyal', () => expect(relationshipOf([placed(day(-5), 200, 0)], t)).toBe('butterfly'));
    it('stranger: profit 100 is below the median (though above minProfit)', () => {
      expect(relationshipOf([placed(day(-5), 200, 100)], t)).toBe('stranger');
    });
  });
});

describe('customer pyramid', () => {
  const active = (profit: number) => [placed(day(-5), profit, 0)];

  it('prospect: known from interactions, never purchased', () => {
    expect(pyramidOf([interaction(day(-1), 'chat')])).toBe('prospect');
    expect(pyramidOf([interaction(day(-1), 'chat')], bigTenant())).toBe('prospect');
  });

  it('inactive: purchased before the window, or every window order cancelled', () => {
    expect(pyramidOf([placed(day(-400), 5000, 0)])).toBe('inactive');
    expect(pyramidOf([placed(day(-400), 5000, 0)], bigTenant())).toBe('inactive');
    expect(pyramidOf([placed(day(-5), 5000, 0), cancelled(day(-4), 5000, 0)])).toBe('inactive');
  });

  it('absolute profit cuts (2000 / 500 / 100) for a small tenant, reached at equality', () => {
    expect(pyramidOf(active(2000))).toBe('top');
    expect(pyramidOf(active(1999.99))).toBe('big');
    expect(pyramidOf(active(500))).toBe('big');
    expect(pyramidOf(active(100))).toBe('medium');
    expect(pyramidOf(active(99.99))).toBe('small');
    expect(pyramidOf(active(1000), bigTenant({ activeCustomers: 199 }))).toBe('big');
  });

  it("the tenant's profit-rank cuts (1000 / 300 / 50) for a big tenant", () => {
    const t = bigTenant({ pyramidProfitCutsCents: { top: 100_000, big: 30_000, medium: 5_000 } });
    expect(pyramidOf(active(1000), t)).toBe('top');
    expect(pyramidOf(active(999.99), t)).toBe('big');
    expect(pyramidOf(active(300), t)).toBe('big');
    expect(pyramidOf(active(50), t)).toBe('medium');
    expect(pyramidOf(active(49.99), t)).toBe('small');
  });

  it('index values: profit only for active customers', () => {
    expect(evalOf(active(12.34)).index).toEqual({ lastPurchaseDay: NOW_DAY - 5, frequency: 1, monetaryCents: 1234, profitCents: 1234 });
    expect(evalOf([placed(day(-400), 10, 0)]).index).toEqual({ lastPurchaseDay: NOW_DAY - 400, frequency: 0, monetaryCents: 0, profitCents: null });
  });
});

describe('assignSegments', () => {
  it('first assignment: a change from null for every dimension, scores recorded', () => {
    const s = deepFreeze(stateOf([placed(day(-5), 200, 100)]));
    const { state, changes } = assignSegments(s, evaluate(s, NOW, null, defaultPolicy), NOW, defaultPolicy);
    expect(changes).toEqual([
      { dimension: 'relationship', from: null, to: 'butterfly', atMs: NOW },
      { dimension: 'pyramid', from: null, to: 'medium', atMs: NOW },
      { dimension: 'rfm', from: null, to: 'new', atMs: NOW },
    ]);
    expect(state.segments.pyramid).toEqual({ value: 'medium', sinceMs: NOW });
    expect(state.evaluatedAtMs).toBe(NOW);
    expect(state.rfmScores).toEqual([5, 1, 3]);
    expect(s.segments.pyramid).toBeNull(); // input untouched
  });

  it('changes only the dimensions whose value differs, keeping the others since their time', () => {
    const s0 = stateOf([placed(day(-5), 200, 100)]);
    const first = assignSegments(s0, evaluate(s0, NOW, null, defaultPolicy), NOW, defaultPolicy).state;
    const later = NOW + 200 * 86_400_000; // recency 205 days: rfm moves, the order still is in the window
    const { state, changes } = assignSegments(first, evaluate(first, later, null, defaultPolicy), later, defaultPolicy);
    expect(changes).toEqual([{ dimension: 'rfm', from: 'new', to: 'hibernating', atMs: later }]);
    expect(state.segments.relationship).toEqual({ value: 'butterfly', sinceMs: NOW });
    expect(state.segments.rfm).toEqual({ value: 'hibernating', sinceMs: later });
    expect(state.rfmScores).toEqual([2, 1, 3]);
    // the same evaluation again changes nothing
    expect(assignSegments(state, evaluate(state, later, null, defaultPolicy), later + 1, defaultPolicy).changes).toEqual([]);
  });

  it('leaves rfm unassigned for a customer who never purchased', () => {
    const s = stateOf([interaction(day(-1), 'web')]);
    const { state, changes } = assignSegments(s, evaluate(s, NOW, null, defaultPolicy), NOW, defaultPolicy);
    expect(changes.map((c) => c.dimension)).toEqual(['relationship', 'pyramid']);
    expect(state.segments.rfm).toBeNull();
    expect(state.rfmScores).toBeNull();
    expect(state.evaluatedAtMs).toBe(NOW);
  });
});
