import { hash } from 'node:crypto';

/**
 * The dedupe ledger of one customer: which events were applied, and when (wall clock), kept at
 * least the retention (DESIGN section 4: longer than the topic's). It lives in the customer's
 * hash (field `e`) and is written by the same atomic step as the state it protects. Each entry
 * is 12 bytes: the first 8 bytes of the event id's SHA-1 and the apply time in whole seconds;
 * ids of any length cost the same, and a false "already applied" needs two of one customer's
 * ids to share 64 bits of SHA-1 within the retention.
 */
export type Ledger = Map<string, number>;

const ENTRY_BYTES = 12;

/** The ledger key of an event id (what the stored entry holds). */
export function ledgerKey(eventId: string): string {
  return (hash('sha1', eventId, 'buffer') as unknown as Buffer).toString('base64', 0, 8);
}

export function parseLedger(bytes: Buffer | null): Ledger {
  const ledger: Ledger = new Map();
  if (bytes === null) return ledger;
  for (let at = 0; at + ENTRY_BYTES <= bytes.length; at += ENTRY_BYTES) {
    ledger.set(bytes.toString('base64', at, at + 8), bytes.readUInt32BE(at + 8) * 1_000);
  }
  return ledger;
}

/** Whether an event id is in the ledger. */
export function hasApplied(ledger: Ledger, eventId: string): boolean {
  return ledger.has(ledgerKey(eventId));
}

/**
 * The ledger after applying the events with these ledger keys (ledgerKey of their ids) at
 * `wallNowMs`, without the entries older than the retention; `'='` when nothing changed (the
 * step leaves the field alone) and `''` when it is empty (the step deletes it).
 */
export function nextLedger(ledger: Ledger, appliedKeys: readonly string[], wallNowMs: number, retentionMs: number): Buffer | '=' | '' {
  const oldest = wallNowMs - retentionMs;
  const kept: [string, number][] = [];
  for (const entry of ledger) if (entry[1] >= oldest) kept.push(entry);
  if (appliedKeys.length === 0 && kept.length === ledger.size) return '=';
  for (const key of appliedKeys) kept.push([key, wallNowMs]);
  if (kept.length === 0) return '';
  const out = Buffer.allocUnsafe(kept.length * ENTRY_BYTES);
  kept.forEach(([key, atMs], i) => {
    out.write(key, i * ENTRY_BYTES, 8, 'base64');
    out.writeUInt32BE(Math.floor(atMs / 1_000), i * ENTRY_BYTES + 8);
  });
  return out;
}
