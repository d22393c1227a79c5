/**
 * The event-time watermark of a tenant (CRM_CLOCK=event): how far event time has certainly
 * progressed on every input partition, as Flink and Kafka Streams take it, the minimum over the
 * input partitions rather than the newest event seen anywhere. A replay spread over several
 * partitions (and scorers) then never judges a lagging partition's customers as of a leading
 * partition's time.
 *
 * Idleness (Flink's `withIdleness`): a partition that has had no data for the tenant for
 * `idleMs` of wall time, and on which the consumer group had no backlog at a report made since
 * that quiet began (an older "no backlog" may predate data produced since), stops holding the
 * watermark back; it holds it again when data for the tenant comes back. A
 * partition with a backlog is never idle: a slow or rebalancing consumer is not an idle one.
 */

/** What is known of one input partition (a topic's partition) for one tenant. */
export interface PartitionTime {
  /** the newest event time seen for the tenant on this partition; null: none yet */
  newestEventMs: number | null;
  /** wall time of the last data for the tenant here (or, with none yet, when the tenant was first seen) */
  lastDataWallMs: number;
  /** the group had a backlog on the partition at the last report (the broker's, or a batch's fetch) */
  behind: boolean;
  /** wall time of that report */
  reportedAtWallMs: number;
}

/**
 * The watermark (before allowed lateness) given every input partition's time for a tenant, at
 * wall time `wallNowMs`; null when no partition allows one yet (a partition that holds the
 * watermark back has no data for the tenant). Pure: the caller keeps the stored value monotonic.
 */
export function eventTimeWatermark(partitions: readonly PartitionTime[], wallNowMs: number, idleMs: number): number | null {
  let lowestActive = Infinity;
  let newestIdle = -Infinity;
  for (const p of partitions) {
    const idle = !p.behind && p.reportedAtWallMs >= p.lastDataWallMs && wallNowMs - p.lastDataWallMs >= idleMs;
    if (idle) {
      if (p.newestEventMs !== null && p.newestEventMs > newestIdle) newestIdle = p.newestEventMs;
    } else {
      if (p.newestEventMs === null) return null;
      if (p.newestEventMs < lowestActive) lowestActive = p.newestEventMs;
    }
  }
  // Every partition idle: event time has reached the newest event seen (a replay's end).
  if (lowestActive === Infinity) return newestIdle === -Infinity ? null : newestIdle;
  return lowestActive;
}
