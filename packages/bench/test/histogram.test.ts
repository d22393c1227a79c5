import { describe, expect, it } from 'vitest';
import { histogramDelta, parseHistograms } from '../src/histogram.js';
import { histogramQuantile, type Bucket } from '../src/stats.js';

const BOUNDS = ['0.0005', '0.001', '0.0015', '0.002', '0.003', '0.004', '0.005', '0.0075', '0.01', '0.015', '0.02', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];

/** What prom-client prints for the scorer's stage histogram (le first, default label service). */
function exposition(counts: Record<string, number[]>): string {
  const lines = ['# HELP bondstream_event_latency_seconds Seconds from the record\'s Kafka timestamp to each stage.', '# TYPE bondstream_event_latency_seconds histogram'];
  for (const [stage, cumulative] of Object.entries(counts)) {
    BOUNDS.forEach((le, i) => lines.push(`bondstream_event_latency_seconds_bucket{le="${le}",service="scorer",stage="${stage}"} ${cumulative[i]}`));
    lines.push(`bondstream_event_latency_seconds_sum{service="scorer",stage="${stage}"} 1.5`, `bondstream_event_latency_seconds_count{service="scorer",stage="${stage}"} ${cumulative.at(-1)}`);
  }
  return `${lines.join('\n')}\nbondstream_events_consumed_total{service="scorer"} 100\n`;
}

//                      0.5ms 1  1.5  2   3   4   5   7.5 10  15  20  25  50 100 250 500 1s 2.5 5 10 +Inf
const consumed = [0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2];
const written = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

describe('the scorer\'s stage histogram', () => {
  it('is parsed per stage, bounds ascending with +Inf last', () => {
    const stages = parseHistograms(exposition({ consumed, written }), 'bondstream_event_latency_seconds', 'stage');
    expect([...stages.keys()]).toEqual(['consumed', 'written']);
    const buckets = stages.get('consumed') as Bucket[];
    expect(buckets).toHaveLength(21);
    expect(buckets[2]).toEqual({ le: 0.0015, count: 1 });
    expect(buckets.at(-1)).toEqual({ le: Number.POSITIVE_INFINITY, count: 2 });
  });

  it('adds up series that differ only in other labels, and is empty when the scorer has none', () => {
    const twice = `${exposition({ consumed })}${exposition({ consumed }).replaceAll('service="scorer"', 'service="scorer",thread="relay"')}`;
    expect(parseHistograms(twice, 'bondstream_event_latency_seconds', 'stage').get('consumed')?.at(-1)?.count).toBe(4);
    expect(parseHistograms('bondstream_events_consumed_total 5\n', 'bondstream_event_latency_seconds', 'stage').size).toBe(0);
  });

  it('subtracts the scrape at the start of the window, and refuses counts that went down', () => {
    const before = parseHistograms(exposition({ consumed }), 'bondstream_event_latency_seconds', 'stage').get('consumed');
    const after = parseHistograms(exposition({ consumed: consumed.map((c, i) => c + (i >= 6 ? 10 : 0)) }), 'bondstream_event_latency_seconds', 'stage').get('consumed') as Bucket[];
    const delta = histogramDelta(before, after);
    expect(delta.slice(5, 8)).toEqual([{ le: 0.004, count: 0 }, { le: 0.005, count: 10 }, { le: 0.0075, count: 10 }]);
    expect(histogramDelta(undefined, after)).toEqual(after);
    expect(() => histogramDelta(after, before as Bucket[])).toThrow(/restarted/);
  });
});

describe('histogramQuantile', () => {
  const buckets = (cumulative: number[]): Bucket[] => BOUNDS.map((le, i) => ({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count: cumulative[i] as number }));

  it('interpolates linearly within the bucket that holds the rank', () => {
    // rank 1 of 2: the whole of the (1, 1.5] ms bucket; rank 1.98: 98 % into (2, 3] ms
    expect(histogramQuantile(buckets(consumed), 0.5)).toBeCloseTo(0.0015, 12);
    expect(histogramQuantile(buckets(consumed), 0.99)).toBeCloseTo(0.00298, 12);
    // 100 observations spread over (5, 7.5] ms: the median halfway, p99 at 99 %
    const spread = BOUNDS.map((_, i) => (i >= 7 ? 100 : 0));
    expect(histogramQuantile(buckets(spread), 0.5)).toBeCloseTo(0.00625, 12);
    expect(histogramQuantile(buckets(spread), 0.99)).toBeCloseTo(0.007475, 12);
  });

  it('starts the first bucket at 0, gives the highest finite bound for +Inf, NaN without observations', () => {
    const first = BOUNDS.map(() => 4);
    expect(histogramQuantile(buckets(first), 0.5)).toBeCloseTo(0.00025, 12);
    expect(histogramQuantile(buckets(written), 0.5)).toBe(10);
    expect(histogramQuantile(buckets(BOUNDS.map(() => 0)), 0.5)).toBeNaN();
    expect(() => histogramQuantile(buckets(consumed), 50)).toThrow(RangeError);
  });
});
