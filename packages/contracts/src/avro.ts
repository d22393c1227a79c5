import { readFileSync } from 'node:fs';

/** The shape of a named Avro record schema, as the registry clients take it. */
export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: unknown[];
}

/**
 * The .avsc files are the source of truth (other teams read them). They live in ../avro, which
 * is one level above both src/ (tests, vitest) and dist/ (built), so the same URL works for both.
 */
function loadAvsc(file: string): AvroRecordSchema {
  const text = readFileSync(new URL(`../avro/${file}`, import.meta.url), 'utf8');
  return JSON.parse(text) as AvroRecordSchema;
}

export const AVRO_SCHEMAS = {
  orderEvent: loadAvsc('order-event.avsc'),
  interactionEvent: loadAvsc('interaction-event.avsc'),
  segmentChange: loadAvsc('segment-change.avsc'),
  customerAction: loadAvsc('customer-action.avsc'),
} as const;

export const AVRO_NAMESPACE = 'io.bondstream.crm.v1';

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, then the Avro body. */
export const CONFLUENT_MAGIC_BYTE = 0;
export const CONFLUENT_HEADER_LENGTH = 5;

export function isConfluentFramed(value: Buffer): boolean {
  // A JSON text never starts with NUL, so this cannot misread a JSON message.
  return value.length >= CONFLUENT_HEADER_LENGTH && value[0] === CONFLUENT_MAGIC_BYTE;
}

export function confluentSchemaId(value: Buffer): number {
  return value.readInt32BE(1);
}

/**
 * Avro has no "absent", only null; the zod contract has optional fields. Turns a decoded Avro
 * record (class instances, nulls) into a plain object where nulls of optional fields are absent.
 * `keepNull` names the fields that are nullable in the contract (e.g. segment change `from`).
 */
export function avroToPlain(value: unknown, keepNull: ReadonlySet<string> = new Set()): unknown {
  if (Array.isArray(value)) return value.map((v) => avroToPlain(v, keepNull));
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if ((v === null && !keepNull.has(key)) || key === '__proto__') continue;
    out[key] = avroToPlain(v, keepNull);
  }
  return out;
}
