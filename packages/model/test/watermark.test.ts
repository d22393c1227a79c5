import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eventTimeWatermark, type PartitionTime } from '../src/watermark.js';

const IDLE_MS = 30_000;
const DAY = 86_400_000;

/** One step of a run: a batch of a partition (its newest event, whether a backlog is left), after some wall time. */
interface Step {
  partition: number;
  eventMs: number;
  behind: boolean;
  wallAdvanceMs: number;
}

const step = (partitions: number): fc.Arbitrary<Step> => fc.record({
  partition: fc.nat({ max: partitions - 1 }),
  eventMs: fc.integer({ min: 0, max: 600 * DAY }),
  behind: fc.boolean(),
  wallAdvanceMs: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 3 * IDLE_MS })),
});

/**
 * Replays steps as the scorers record them (newest time per partition only grows; wall time of
 * the last data; behind after the last batch) and keeps the stored watermark as Redis does (only
 * raised). Calls `check` after every step with the partitions, the wall time and the watermark.
 */
function run(partitions: number, steps: readonly Step[], check: (times: PartitionTime[], wallMs: number, watermark: number | null, computed: number | null) => void): void {
  const firstSeenMs = 0;
  const times: PartitionTime[] = Array.from({ length: partitions }, () => ({ newestEventMs: null, lastDataWallMs: firstSeenMs, behind: false, reportedAtWallMs: firstSeenMs }));
  let wallMs = firstSeenMs;
  let watermark: number | null = null;
  for (const s of steps) {
    wallMs += s.wallAdvanceMs;
    const p = times[s.partition]!;
    times[s.partition] = { newestEventMs: Math.max(p.newestEventMs ?? -Infinity, s.eventMs), lastDataWallMs: wallMs, behind: s.behind, reportedAtWallMs: wallMs };
    const computed = eventTimeWatermark(times, wallMs, IDLE_MS);
    if (computed !== null && (watermark === null || computed > watermark)) watermark = computed;
    check(times, wallMs, watermark, computed);
  }
}

const isIdle = (p: PartitionTime, wallMs: number) => !p.behind && p.reportedAtWallMs >= p.lastDataWallMs && wallMs - p.lastDataWallMs >= IDLE_MS;

describe('eventTimeWatermark', () => {
  it('never passes the newest event of a partition that has data and is not idle, whatever the interleaving', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }).chain((n) => fc.tuple(fc.constant(n), fc.array(step(n), { maxLength: 200 }))), ([n, steps]) => {
      // partitions active since their first data: the stored (monotonic) watermark never passed them
      const activeSinceData = new Set<number>();
      run(n, steps, (times, wallMs, watermark, computed) => {
        times.forEach((p, i) => {
          if (p.newestEventMs === null || isIdle(p, wallMs)) {
            activeSinceData.delete(i);
            return;
          }
          // null: a partition without data holds it back entirely
          if (computed !== null) expect(computed).toBeLessThanOrEqual(p.newestEventMs);
        });
        for (const i of activeSinceData) expect(watermark ?? -Infinity).toBeLessThanOrEqual(times[i]!.newestEventMs!);
        times.forEach((p, i) => {
          if (p.newestEventMs !== null && !isIdle(p, wallMs) && (watermark === null || watermark <= p.newestEventMs)) activeSinceData.add(i);
        });
      });
    }));
  });

  it('is held back by a partition that has not shown data, until it is idle', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 0, max: IDLE_MS - 1 }), fc.integer({ min: 0, max: 500 * DAY }), (n, quietMs, eventMs) => {
      const times: PartitionTime[] = Array.from({ length: n }, (_, i) =>
        i === 0 ? { newestEventMs: eventMs, lastDataWallMs: quietMs, behind: false, reportedAtWallMs: quietMs } : { newestEventMs: null, lastDataWallMs: 0, behind: false, reportedAtWallMs: 0 });
      expect(eventTimeWatermark(times, quietMs, IDLE_MS)).toBeNull();
      expect(eventTimeWatermark(times, IDLE_MS, IDLE_MS)).toBe(eventMs);
    }));
  });

  it('a partition with a backlog never goes idle, however long it is quiet', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 100 * IDLE_MS }), fc.integer({ min: 0, max: 500 * DAY }), fc.nat({ max: 100 * DAY }), (quietMs, laggingMs, leadMs) => {
      const times: PartitionTime[] = [
        { newestEventMs: laggingMs, lastDataWallMs: 0, behind: true, reportedAtWallMs: quietMs },
        { newestEventMs: laggingMs + leadMs, lastDataWallMs: quietMs, behind: false, reportedAtWallMs: quietMs },
      ];
      expect(eventTimeWatermark(times, quietMs, IDLE_MS)).toBe(laggingMs);
    }));
  });

  it('a "no backlog" reported before the quiet began (data may have been produced since) does not make a partition idle', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 100 * IDLE_MS }), fc.integer({ min: IDLE_MS, max: 100 * IDLE_MS }), fc.integer({ min: 0, max: 500 * DAY }), (firstSeenMs, quietMs, eventMs) => {
      const times: PartitionTime[] = [
        { newestEventMs: eventMs, lastDataWallMs: firstSeenMs + quietMs, behind: false, reportedAtWallMs: firstSeenMs + quietMs },
        // no data for the tenant yet; its last report (no backlog) is older than the tenant
        { newestEventMs: null, lastDataWallMs: firstSeenMs, behind: false, reportedAtWallMs: firstSeenMs - 1 },
      ];
      expect(eventTimeWatermark(times, firstSeenMs + quietMs, IDLE_MS)).toBeNull();
      // a fresh report of no backlog lets it go idle
      times[1] = { ...times[1]!, reportedAtWallMs: firstSeenMs + quietMs };
      expect(eventTimeWatermark(times, firstSeenMs + quietMs, IDLE_MS)).toBe(eventMs);
    }));
  });

  it('reaches the newest event seen once every partition is idle (the end of a replay)', () => {
    fc.assert(fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 500 * DAY })), { minLength: 1, maxLength: 10 }), (newest) => {
      const times = newest.map((n): PartitionTime => ({ newestEventMs: n, lastDataWallMs: 0, behind: false, reportedAtWallMs: 0 }));
      const seen = newest.filter((n): n is number => n !== null);
      expect(eventTimeWatermark(times, IDLE_MS, IDLE_MS)).toBe(seen.length === 0 ? null : Math.max(...seen));
    }));
  });

  it('does not go down when a partition sees newer events', () => {
    fc.assert(fc.property(fc.array(step(4), { minLength: 1, maxLength: 50 }), fc.nat({ max: 3 }), fc.nat({ max: 10 * DAY }), (steps, partition, laterMs) => {
      run(4, steps, (times, wallMs, _watermark, computed) => {
        const p = times[partition]!;
        const raised = times.map((t, i) => (i === partition && t.newestEventMs !== null ? { ...t, newestEventMs: t.newestEventMs + laterMs } : t));
        const after = eventTimeWatermark(raised, wallMs, IDLE_MS);
        if (computed !== null && p.newestEventMs !== null) expect(after!).toBeGreaterThanOrEqual(computed);
      });
    }));
  });
});
