/**
 * Evaluation time. `wall` uses the wall clock. `event` (replays, CRM_CLOCK=event) uses the
 * tenant's shared event-time watermark (the minimum over the input partitions, see
 * watermarks.ts) minus the allowed lateness, so replaying the same topics gives the same
 * evaluations whatever the wall clock says.
 */
export class EvaluationClock {
  private readonly watermarkMs = new Map<string, number>();

  constructor(
    readonly mode: 'wall' | 'event',
    private readonly allowedLatenessMs: number,
    private readonly wallNow: () => number = Date.now,
  ) {}

  /** Learns a tenant's stored watermark (read or raised in Redis); it never goes back. */
  observe(tenantId: string, watermarkMs: number): void {
    if (watermarkMs > (this.watermarkMs.get(tenantId) ?? 0)) this.watermarkMs.set(tenantId, watermarkMs);
  }

  /** The time the clock moves a tenant's customers to: never past the watermark. */
  now(tenantId: string): number {
    if (this.mode === 'wall') return this.wallNow();
    return (this.watermarkMs.get(tenantId) ?? 0) - this.allowedLatenessMs;
  }

  /**
   * The evaluation time for a customer whose newest event in hand is `newestEventMs`: with the
   * event clock, the tenant's watermark as of before this batch, or the customer's own newest
   * event if that is later, less the allowed lateness. A batch can span months of history in a
   * replay; judging its oldest events at its newest time would make them late.
   */
  nowFor(watermarkBeforeMs: number, newestEventMs: number): number {
    if (this.mode === 'wall') return this.wallNow();
    return Math.max(watermarkBeforeMs, newestEventMs) - this.allowedLatenessMs;
  }
}
