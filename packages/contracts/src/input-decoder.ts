import { avroToPlain, confluentSchemaId, CONFLUENT_HEADER_LENGTH, isConfluentFramed } from './avro.js';
import { describeZodError, errorText, truncateDetail, type DeadLetterReason } from './dead-letter.js';
import { inputEventSchema, type InputEvent } from './input-events.js';
import type { SchemaRegistryClient } from './schema-registry.js';

export type DecodeResult =
  | { ok: true; event: InputEvent }
  | { ok: false; reason: DeadLetterReason; detail: string };

export interface InputDecoderOptions {
  /** Needed only for Avro input (SCHEMA_REGISTRY_URL); JSON needs none. */
  registry?: SchemaRegistryClient;
}

const UTF8_BOM = '\uFEFF';

/**
 * Turns the value of an orders or interactions message into a validated event, or into the
 * dead-letter reason that explains why not. Never throws and never rejects: a bad message must
 * not crash a consumer or block its partition (DESIGN section 4).
 *
 * A registry that cannot be reached gives `unknown_schema` with the error in the detail; the
 * dead letter keeps the original bytes, so such messages can be replayed from the DLQ.
 */
export class InputDecoder {
  private readonly registry: SchemaRegistryClient | undefined;

  constructor(options: InputDecoderOptions = {}) {
    this.registry = options.registry;
  }

  async decode(value: Buffer | null): Promise<DecodeResult> {
    try {
      if (value === null || value.length === 0) {
        return { ok: false, reason: 'empty_message', detail: 'message has no value' };
      }
      if (isConfluentFramed(value)) return await this.decodeAvro(value);
      return decodeJsonInput(value);
    } catch (error) {
      // Defensive: the branches above return results for every input we know of.
      return { ok: false, reason: 'schema_violation', detail: truncateDetail(`undecodable message: ${errorText(error)}`) };
    }
  }

  private async decodeAvro(value: Buffer): Promise<DecodeResult> {
    const id = confluentSchemaId(value);
    if (this.registry === undefined) {
      return {
        ok: false,
        reason: 'unknown_schema',
        detail: `Avro-framed message (schema id ${id}) but SCHEMA_REGISTRY_URL is not set`,
      };
    }
    let writer: { fromBuffer(buffer: Buffer): unknown };
    try {
      writer = await this.registry.getSchema(id);
    } catch (error) {
      return { ok: false, reason: 'unknown_schema', detail: truncateDetail(`schema id ${id}: ${errorText(error)}`) };
    }
    let record: unknown;
    try {
      record = writer.fromBuffer(value.subarray(CONFLUENT_HEADER_LENGTH));
    } catch (error) {
      return {
        ok: false,
        reason: 'schema_violation',
        detail: truncateDetail(`Avro body does not match schema id ${id}: ${errorText(error)}`),
      };
    }
    return validate(avroToPlain(record));
  }
}

/** The JSON path on its own, synchronous: the common case needs no registry and no await. */
export function decodeJsonInput(value: Buffer): DecodeResult {
  let text = value.toString('utf8');
  if (text.startsWith(UTF8_BOM)) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: 'invalid_json', detail: truncateDetail(errorText(error)) };
  }
  return validate(dropNulls(parsed));
}

function validate(candidate: unknown): DecodeResult {
  const result = inputEventSchema.safeParse(candidate);
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, reason: 'schema_violation', detail: describeZodError(result.error) };
}

/**
 * In JSON, as in Avro, `null` for an optional field means absent (many serialisers write
 * nulls). Required fields that are null still fail validation, as missing. Only the levels the
 * contract has (event, items) are copied: unknown nested fields are dropped by zod anyway.
 */
function dropNulls(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const event = withoutNulls(value);
  if (Array.isArray(event.items)) event.items = event.items.map((item) => (isRecord(item) ? withoutNulls(item) : item));
  return event;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    // An own "__proto__" key from JSON.parse would become out's prototype, and zod would read
    // inherited fields through it; it is no contract field, so drop it.
    if (v !== null && key !== '__proto__') out[key] = v;
  }
  return out;
}
