/**
 * The read-plan-write rounds of this process that are under way. A thresholds refresh swaps in
 * its new snapshot and then waits for the rounds that started before the swap: one of them may
 * have planned a customer with the old cuts and still be writing it, and if that write moves the
 * customer's index value into a moved band after the band was read, the band re-score misses it
 * and the customer keeps scores from the old cuts (seen as a flaky replay test: identical
 * histories, different R). Rounds that start after the swap plan with the new snapshot.
 */
export class WriteRounds {
  private readonly underWay = new Set<Promise<unknown>>();

  /** Runs one round (load, plan, write) as under way until it settles. */
  run<R>(round: () => Promise<R>): Promise<R> {
    const running = round();
    this.underWay.add(running);
    const forget = () => this.underWay.delete(running);
    running.then(forget, forget);
    return running;
  }

  /** Resolves once every round under way now has settled (rounds started later are not waited for). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.underWay]);
  }
}
