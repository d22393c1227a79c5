import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { probabilityHistogram, relationshipQuadrants, segmentSizesByDay, sumTransitions, valueHistogram } from '../src/insights.js';

describe('the console\'s aggregates', () => {
  it('histograms keep every value, in ten bins; the value bins end on a round number at or above the 95th percentile', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true })), (values) => {
      const h = valueHistogram(values);
      expect(h.counts.reduce((a, b) => a + b, 0)).toBe(values.length);
      expect(h.edges).toHaveLength(11);
      const top = h.edges[10]!;
      expect([1, 2, 5, 10]).toContain(Math.round(top / 10 ** Math.floor(Math.log10(top))));
      expect(top).toBeGreaterThanOrEqual(1);
    }));
    expect(probabilityHistogram([0, 0.05, 0.1, 0.99, 1])).toEqual({ edges: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1], counts: [2, 1, 0, 0, 0, 0, 0, 0, 0, 2] });
  });

  it('walks daily sizes back from today\'s counts through each day\'s flows', () => {
    const byDay = new Map([
      [10, [{ dimension: 'relationship', from: null, to: 'stranger', count: 2 }]],
      [11, [{ dimension: 'relationship', from: 'stranger', to: 'true_friend', count: 1 }]],
    ]);
    const current = { relationship: { true_friend: 1, butterfly: 0, barnacle: 0, stranger: 1 }, pyramid: {}, rfm: {} };
    const sizes = segmentSizesByDay(current, byDay, 9, 11);
    expect(sizes.days).toEqual([9, 10, 11]);
    expect(sizes.dimensions.relationship).toEqual({ true_friend: [0, 0, 1], butterfly: [0, 0, 0], barnacle: [0, 0, 0], stranger: [0, 2, 1] });
    expect(sumTransitions(new Map([[1, byDay.get(10)!], [2, byDay.get(10)!]]))).toEqual([{ dimension: 'relationship', from: null, to: 'stranger', count: 4 }]);
  });

  it('estimates a quadrant\'s CLV as its sampled mean times its customers, null without predictions', () => {
    const quadrants = relationshipQuadrants({ true_friend: 10, stranger: 4 }, [
      { relationship: 'true_friend', clv: 10 }, { relationship: 'true_friend', clv: 30 }, { relationship: 'stranger', clv: null },
    ]);
    expect(quadrants.true_friend).toEqual({ customers: 10, meanClv: 20, totalClv: 200 });
    expect(quadrants.stranger).toEqual({ customers: 4, meanClv: null, totalClv: null });
    expect(quadrants.butterfly).toEqual({ customers: 0, meanClv: null, totalClv: null });
  });
});
