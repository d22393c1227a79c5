import { describe, expect, it } from 'vitest';
import { applyEvents, defaultPolicy, emptyState, evaluate, type ModelEvent } from '../src/index.js';
import { NOW, NOW_DAY, cancelled, day, deepFreeze, interaction, placed, refunded, stateOf } from './fixtures.js';

describe('order.placed', () => {
  it('books orders, revenue, cost and margin in lifetime and in its day bucket', () => {
    const s = stateOf([placed(day(-3), 120.5, 70.1), placed(day(-1), 100)]);
    expect(s.lifetime).toEqual({
      orders: 2,
      revenueCents: 22050,
      costCents: 7010 + 7000, // no cost: margin = 30 % of 100, cost = the rest
      grossMarginCents: 5040 + 3000,
      refundsCents: 0,
      contacts: 0,
      contactCostCents: 0,
      placedCents: 22050,
      firstDayPlacedCents: 12050, // day −3's order
    });
    expect(s.window[NOW_DAY - 3]).toMatchObject({ orders: 1, revenueCents: 12050, marginCents: 5040 });
    expect(s.window[NOW_DAY - 1]).toMatchObject({ orders: 1, revenueCents: 10000, marginCents: 3000 });
    expect(s.purchaseDays).toEqual([NOW_DAY - 3, NOW_DAY - 1]);
    expect(s.firstPurchaseAtMs).toBe(day(-3));
    expect(s.lastPurchaseAtMs).toBe(day(-1));
    expect(s.lastEventAtMs).toBe(day(-1));
    expect(s.appliedEvents).toBe(2);
  });

  it('keeps purchase days sorted and distinct whatever the arrival order', () => {
    const s = stateOf([placed(day(-1), 10), placed(day(-9), 10), placed(day(-1, 15), 10), placed(day(-5), 10)]);
    expect(s.purchaseDays).toEqual([NOW_DAY - 9, NOW_DAY - 5, NOW_DAY - 1]);
    expect(s.firstPurchaseAtMs).toBe(day(-9));
    expect(s.lastPurchaseAtMs).toBe(day(-1, 15));
  });
});

describe('order.cancelled', () => {
  it('is the exact negation of the placed order', () => {
    const s = stateOf([placed(day(-2), 100, 60), cancelled(day(-2, 11), 100, 60)]);
    expect(s.lifetime).toMatchObject({ orders: 0, revenueCents: 0, costCents: 0, grossMarginCents: 0 });
    // same day: the bucket nets to zero and is dropped
    expect(s.window).toEqual({});
    // the customer did come to buy: purchase day and first/last purchase stay
    expect(s.purchaseDays).toEqual([NOW_DAY - 2]);
    expect(s.lastPurchaseAtMs).toBe(day(-2));
    expect(s.lastEventAtMs).toBe(day(-2, 11));
    expect(evaluate(s, NOW, null, defaultPolicy).segments.pyramid).toBe('inactive');
  });

  it('is booked on its own day and negates the default margin too', () => {
    const s = stateOf([placed(day(-5), 100), cancelled(day(-4), 100)]);
    expect(s.window[NOW_DAY - 5]).toMatchObject({ orders: 1, revenueCents: 10000, marginCents: 3000 });
    expect(s.window[NOW_DAY - 4]).toMatchObject({ orders: -1, revenueCents: -10000, marginCents: -3000 });
    const e = evaluate(s, NOW, null, defaultPolicy);
    expect(e.window).toMatchObject({ orders: 0, monetary: 0, grossMargin: 0, profit: 0 });
  });

  it('may arrive before its order: clamped at zero, then the order cancels it out', () => {
    const cancel = cancelled(day(-1), 80, 20);
    const order = placed(day(-2), 80, 20);
    const early = stateOf([cancel]);
    const e = evaluate(early, NOW, null, defaultPolicy);
    expect(early.lifetime.orders).toBe(-1);
    expect(e.window.orders).toBe(0);
    expect(e.window.monetary).toBe(0);
    expect(e.segments.pyramid).toBe('prospect'); // no placed order yet
    expect(applyEvents(early, [order], NOW, defaultPolicy)).toEqual(stateOf([order, cancel]));
  });
});

describe('order.refunded', () => {
  it('gives back revenue and margin, and costs the return handling', () => {
    const s = stateOf([placed(day(-10), 200, 120), refunded(day(-3), 50, 30), refunded(day(-2), 50)]);
    expect(s.lifetime).toMatchObject({
      orders: 1,
      revenueCents: 20000 - 5000 - 5000,
      costCents: 12000,
      grossMarginCents: 8000 - 2000 - 1500,
      refundsCents: 10000,
    });
    expect(s.window[NOW_DAY - 3]).toMatchObject({ refundsCents: 5000, refundMarginCents: 2000, handlingCostCents: 500 });
    expect(s.window[NOW_DAY - 2]).toMatchObject({ refundsCents: 5000, refundMarginCents: 1500, handlingCostCents: 500 });
    const e = evaluate(s, NOW, null, defaultPolicy);
    expect(e.window).toMatchObject({ orders: 1, monetary: 100, grossMargin: 80, refunds: 100 });
    expect(e.window.profit).toBe(80 - 20 - 15 - 2 * 5);
  });

  it('never drives window monetary below zero', () => {
    const s = stateOf([refunded(day(-1), 50, 30)]);
    const e = evaluate(s, NOW, null, defaultPolicy);
    expect(e.window.monetary).toBe(0);
    expect(e.window.refunds).toBe(50);
    expect(e.window.profit).toBe(-25);
  });
});

describe('interaction', () => {
  it('counts contacts at the channel cost unless the event has its own, and averages satisfaction', () => {
    const s = stateOf([
      interaction(day(-1), 'call_center', { satisfaction: 7 }),
      interaction(day(-1, 12), 'chat', { cost: 2.5, satisfaction: 8.5 }),
      interaction(day(-2), 'email'),
    ]);
    expect(s.lifetime).toMatchObject({ contacts: 3, contactCostCents: 600 + 250 + 10 });
    expect(s.window[NOW_DAY - 1]).toMatchObject({ contacts: 2, contactCostCents: 850, satisfactionTenthsSum: 155, satisfactionCount: 2 });
    const e = evaluate(s, NOW, null, defaultPolicy);
    expect(e.window).toMatchObject({ contacts: 3, contactCost: 8.6, profit: -8.6, satisfaction: 7.75 });
    expect(s.purchaseDays).toEqual([]);
    expect(s.lastEventAtMs).toBe(day(-1, 12));
  });

  it('has no satisfaction without surveys', () => {
    expect(evaluate(stateOf([interaction(day(-1), 'web')]), NOW, null, defaultPolicy).window.satisfaction).toBeNull();
  });
});

describe('applyEvents', () => {
  it('dedupes by eventId within the list, first occurrence wins', () => {
    const a = placed(day(-1), 10, 5, 'dup');
    const b = placed(day(-2), 99, 5, 'dup');
    const s = stateOf([a, b, a]);
    expect(s.appliedEvents).toBe(1);
    expect(s.lifetime.revenueCents).toBe(1000);
    expect(s.purchaseDays).toEqual([NOW_DAY - 1]);
  });

  it('never mutates its input', () => {
    const before = stateOf([placed(day(-3), 10), interaction(day(-2), 'chat', { satisfaction: 5 })]);
    const snapshot = structuredClone(before);
    const events: ModelEvent[] = [placed(day(-3), 20), cancelled(day(-2), 10), interaction(day(-2), 'web')];
    const after = applyEvents(deepFreeze(before), deepFreeze(events), NOW, defaultPolicy);
    expect(before).toEqual(snapshot);
    expect(after.appliedEvents).toBe(5);
  });

  it('rejects events the scorer should have dead-lettered, naming them', () => {
    const bad = { ...placed(day(-1), 10), eventId: 'x1', amountCents: 10.5 };
    expect(() => stateOf([bad])).toThrow(/invalid event x1: amountCents/);
    const noChannel = { ...interaction(day(-1), 'web'), eventId: 'x2', channel: 'pigeon' } as unknown as ModelEvent;
    expect(() => stateOf([noChannel])).toThrow(/invalid event x2: unknown channel pigeon/);
    expect(() => stateOf([interaction(day(-1), 'web', { satisfaction: 11 })])).toThrow(/satisfaction/);
    expect(emptyState().appliedEvents).toBe(0);
  });
});
