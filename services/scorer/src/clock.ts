/**
 * Evaluation time. `wall` uses the wall clock. `event` (replays, CRM_CLOCK=event) uses a
 * per-tenant watermark: the newest event time seen minus the allowed lateness, so replaying the
 * same topics gives the same evaluations whatever the wall clock says.
 */
export class EvaluationClock {
  private readonly newestEventMs = new Map<string, number>();

  constructor(
    readonly mode: 'wall' | 'event',
    private readonly allowedLatenessMs: number,
    private readonly wallNow: () => number = Date.now,
  ) {}

  /** Raises a tenant's watermark with event times seen (in this batch or stored in Redis). */
  observe(tenantId: string, eventTimeMs: number): void {
    if (eventTimeMs > (this.newestEventMs.get(tenantId) ?? 0)) this.newestEventMs.set(tenantId, eventTimeMs);
  }

  knows(tenantId: string): boolean {
    return this.newestEventMs.has(tenantId);
  }

  newestEventMsOf(tenantId: string): number {
    return this.newestEventMs.get(tenantId) ?? 0;
  }

  now(tenantId: string): number {
    if (this.mode === 'wall') return this.wallNow();
    return (this.newestEventMs.get(tenantId) ?? 0) - this.allowedLatenessMs;
  }

  /**
   * The evaluation time for a customer whose newest event in hand is `newestEventMs`: with the
   * event clock, the tenant's watermark as of before this batch (taken when the batch raised
   * it: the clock loop may raise the shared value meanwhile), or the customer's own newest event
   * if that is later, less the allowed lateness. A batch can span months of
   * history in a replay; judging its oldest events at its newest time would make them late.
   */
  nowFor(watermarkBeforeMs: number, newestEventMs: number): number {
    if (this.mode === 'wall') return this.wallNow();
    return Math.max(watermarkBeforeMs, newestEventMs) - this.allowedLatenessMs;
  }
}
