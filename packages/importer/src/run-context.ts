import type { Checkpoint } from './checkpoint.js';
import type { OrderProducer } from './batches.js';
import type { ImportHooks, ImportOptions, ImportProgress, ImportSummary } from './run.js';

/** What both orders share: the checkpoint to advance, and how to save and report it. */
export interface RunContext {
  producer: OrderProducer;
  options: ImportOptions;
  hooks: ImportHooks;
  checkpoint: Checkpoint;
  save(): void;
  progress(phase: ImportProgress['phase'], rows: number, bytes: number): void;
}

export interface RunResult {
  rows: number;
  interrupted: boolean;
  times: EventTimes;
  sort: ImportSummary['sort'];
}

/** The event-time range of what a run produced, and how often it went backwards. */
export class EventTimes {
  first: number | null = null;
  last: number | null = null;
  private max = -Infinity;
  late = 0;

  see(ms: number): void {
    this.first ??= ms;
    this.last = ms;
    if (ms < this.max) this.late += 1;
    else this.max = ms;
  }
}

