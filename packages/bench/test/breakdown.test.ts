import { describe, expect, it } from 'vitest';
import { breakdownTable, latencyBreakdown, missingStages } from '../src/breakdown.js';
import { summarizeLatency, type TrackedEvent } from '../src/latency-summary.js';
import type { Bucket } from '../src/stats.js';

/** An event due at `due`, sent 2 ms later (wall clock 1,000,000 ms ahead of performance.now()), back after `back` ms. */
function event(due: number, back: number | undefined): TrackedEvent {
  const sentAt = due + 2;
  return {
    dueAt: due, sentAt, sentWallMs: sentAt + 1_000_000, ackedAt: sentAt + 1,
    ...(back === undefined ? {} : { receivedAt: sentAt + back, emittedWallMs: sentAt + 1_000_000 + back - 3, outputTimestampWallMs: sentAt + 1_000_000 + back - 2 }),
  };
}

/** All `n` observations of a stage in the bucket (lower, upper] seconds. */
const stage = (lower: number, upper: number, n: number): Bucket[] => [{ le: lower, count: 0 }, { le: upper, count: n }, { le: Number.POSITIVE_INFINITY, count: n }];

describe('the latency summary', () => {
  const measured = Array.from({ length: 100 }, (_, i) => event(1_000 + i * 10, i + 1)); // back after 1..100 ms

  it('counts from the producer.send call, and from due only in the fields named so', () => {
    const s = summarizeLatency(measured, 5_000, 1_000, null);
    expect(s).toMatchObject({ p50: 50, p99: 99, fromDueP50: 52, fromDueP99: 101, dueToSendP50: 2, dueToSendP99: 2, missing: 0, lowerBound: false });
    expect(s.steps.sendToProduceAcked).toEqual({ p50: 1, p99: 1 });
    expect(s.steps.relaySendToCollector).toEqual({ p50: 2, p99: 2 });
    expect(s.timeline.map((t) => t.second)).toEqual([0]);
  });

  it('counts an event that never came back with the time waited for it, as a lower bound', () => {
    const lost = event(1_000, undefined);
    const s = summarizeLatency([...measured.slice(0, 98), lost, lost], 10_000, 1_000, null);
    expect(s).toMatchObject({ missing: 2, lowerBound: true, max: 10_000 - lost.sentAt });
    expect(s.p99).toBe(10_000 - lost.sentAt);
  });
});

describe('the latency breakdown', () => {
  const measured = Array.from({ length: 100 }, (_, i) => event(1_000 + i * 10, 20));
  const scorer = new Map([['consumed', stage(0.003, 0.004, 100)], ['written', stage(0.005, 0.0075, 100)], ['published', stage(0.01, 0.015, 100)]]);

  it('puts the stages in the order they happen, the scorer\'s between the bench\'s', () => {
    const times = measured.map(() => ({ dueToSend: 2, acked: 1, emitted: 17, outputTimestamp: 18, delivered: 20 }));
    const rows = latencyBreakdown(times, scorer);
    expect(rows.map((r) => [r.source, r.from, r.p50])).toEqual([
      ['bench', 'due', 2], ['bench', 'send', 1], ['scorer', 'send', 3.5], ['scorer', 'send', 6.3], ['bench', 'send', 17],
      ['bench', 'send', 18], ['scorer', 'send', 12.5], ['bench', 'send', 20], ['bench', 'due', 22],
    ]);
    expect(rows[2]).toMatchObject({ stage: 'consumed by the scorer (batch handler)', p99: 4, events: 100 });
    expect(missingStages(scorer)).toBeNull();
  });

  it('leaves the scorer\'s stages out, and says why, when its histogram is absent or a stage saw nothing', () => {
    const withoutScorer = summarizeLatency(measured, 5_000, 1_000, null).breakdown;
    expect(withoutScorer.map((r) => r.source)).not.toContain('scorer');
    expect(withoutScorer).toHaveLength(6);
    expect(missingStages(null)).toMatch(/exports no bondstream_event_latency_seconds/);
    const partial = new Map([['consumed', stage(0.003, 0.004, 100)], ['published', stage(0.01, 0.015, 0)]]);
    expect(summarizeLatency(measured, 5_000, 1_000, partial).breakdown.filter((r) => r.source === 'scorer')).toHaveLength(1);
    expect(missingStages(partial)).toMatch(/stage\(s\) written, published/);
  });

  it('prints one aligned line per row under a header that says where the times count from', () => {
    const table = breakdownTable(summarizeLatency(measured, 5_000, 1_000, scorer).breakdown);
    expect(table[0]).toMatch(/ms since the producer\.send call/);
    expect(table).toHaveLength(3 + 9);
    expect(new Set(table.slice(2).map((l) => l.length)).size).toBe(1);
    expect(table.at(-2)).toMatch(/^ {2}delivered to the collector \(end to end\)\s+bench\s+20\.0\s+20\.0\s+100$/);
  });
});
