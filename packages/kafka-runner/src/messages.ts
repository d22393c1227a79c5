import type { IHeaders } from 'kafkajs';

/** A consumed message with where it came from. */
export interface SourceMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  /**
   * The record's timestamp in ms (CreateTime: the producer's clock when it sent it, unless the
   * topic uses LogAppendTime): where the scorer's latency stages start.
   */
  producedAtMs?: number;
}

/** A message that cannot be applied, with a stable reason code (DESIGN section 3). */
export interface DeadLetter {
  message: SourceMessage;
  reason: string;
  detail: string;
}

/** How a batch ended: every message is exactly one of these (DESIGN section 4). */
export interface BatchOutcome {
  applied: number;
  duplicates: number;
  deadLetters: DeadLetter[];
}
