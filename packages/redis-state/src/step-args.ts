/**
 * The customers of one apply-customers.lua call, packed into ONE argument (layout in the
 * script's header, read there with Redis' struct.unpack). As separate arguments a customer
 * took 13 and a segment change 4 more; ioredis turned each into its own RESP bulk string
 * (a cons string, a Buffer.byteLength, a copy), and that was the largest share of the scorer's
 * consumer thread after garbage collection, with Redis parsing as many arguments. Here each
 * customer is a few writes into one preallocated buffer.
 */
import type { CustomerWrite } from './customers.js';
import { ledgerKey, nextLedger } from './ledger.js';
import { encodeState } from '@bondstream/model';

/** Index value flags: the member leaves the index, stays as it is, or gets this score. */
const REMOVE = 0;
const UNCHANGED = 1;
const SCORE = 2;

/** Writes a value with its 4-byte length; returns the next offset. */
function bytesAt(out: Buffer, at: number, value: Buffer | string): number {
  if (typeof value === 'string') {
    const written = out.write(value, at + 4, 'utf8');
    out.writeUInt32LE(written, at);
    return at + 4 + written;
  }
  out.writeUInt32LE(value.length, at);
  value.copy(out, at + 4);
  return at + 4 + value.length;
}

/** An index value: flag byte, then a double (0 when unused: the layout stays fixed). */
function indexAt(out: Buffer, at: number, value: number | null | '='): number {
  out.writeUInt8(value === '=' ? UNCHANGED : value === null ? REMOVE : SCORE, at);
  out.writeDoubleLE(typeof value === 'number' ? value : 0, at + 1);
  return at + 9;
}

/** Most bytes a string can take in UTF-8 (three per UTF-16 unit), with its length prefix. */
const bound = (value: string | Buffer): number => 4 + (typeof value === 'string' ? 3 * value.length : value.length);

/**
 * Packs the writes (in KEYS order); `dayIndex` gives the position (1..D) of a write's
 * transition day among the call's days (0 without changes).
 */
export function packCustomerWrites(
  writes: readonly CustomerWrite[], dayIndex: (write: CustomerWrite) => number, options: { wallNowMs: number; dedupeRetentionMs: number },
): Buffer {
  const parts = writes.map((write) => {
    const state = encodeState(write.state);
    const ledger = nextLedger(write.stored.ledger, write.appliedEventIds.map((id) => write.stored.ledgerKeys.get(id) ?? ledgerKey(id)),
      options.wallNowMs, options.dedupeRetentionMs);
    const history = write.history === write.stored.history ? null : (write.history ?? '');
    return { write, state, ledger, history, fields: write.outbox.map(transitionField) };
  });
  let size = 0;
  for (const { write, state, ledger, history, fields } of parts) {
    size += 8 + bound(state) + 1 + (typeof ledger === 'string' ? 0 : bound(ledger)) + bound(write.stored.ref.customerId) + 5 * 9 + 1
      + (history === null ? 0 : bound(history)) + 4;
    write.outbox.forEach((change, i) => {
      size += bound(change.fromKey ?? '') + bound(change.toKey) + bound(change.event) + bound(fields[i] as string);
    });
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const { write, state, ledger, history, fields } of parts) {
    at = out.writeDoubleLE(write.stored.version, at);
    at = bytesAt(out, at, state);
    if (ledger === '=' || ledger === '') at = out.writeUInt8(ledger === '=' ? 0 : 1, at);
    else at = bytesAt(out, out.writeUInt8(2, at), ledger);
    at = bytesAt(out, at, write.stored.ref.customerId);
    at = indexAt(out, at, write.index.lastPurchaseDay);
    at = indexAt(out, at, write.index.frequency);
    at = indexAt(out, at, write.index.monetaryCents);
    at = indexAt(out, at, write.index.profitCents);
    at = indexAt(out, at, write.dueAtMs === write.stored.dueAtMs ? '=' : write.dueAtMs);
    if (history === null) at = out.writeUInt8(0, at);
    else at = bytesAt(out, out.writeUInt8(1, at), history);
    at = out.writeUInt16LE(write.outbox.length === 0 ? 0 : dayIndex(write), at);
    at = out.writeUInt16LE(write.outbox.length, at);
    write.outbox.forEach((change, i) => {
      at = bytesAt(out, at, change.fromKey ?? '');
      at = bytesAt(out, at, change.toKey);
      at = bytesAt(out, at, change.event);
      at = bytesAt(out, at, fields[i] as string);
    });
  }
  return out.subarray(0, at);
}

/** The transition-count field of a change: "dimension:from>to" (from empty for a first assignment). */
export function transitionField(change: { fromKey: string | null; toKey: string }): string {
  const at = change.toKey.indexOf(':');
  const from = change.fromKey === null ? '' : change.fromKey.slice(change.fromKey.indexOf(':') + 1);
  return `${change.toKey.slice(0, at)}:${from}>${change.toKey.slice(at + 1)}`;
}
