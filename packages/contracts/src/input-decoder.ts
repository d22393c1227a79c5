import type { z } from 'zod';
import { avroToPlain, confluentSchemaId, CONFLUENT_HEADER_LENGTH, isConfluentFramed } from './avro.js';
import { describeZodError, errorText, truncateDetail, type DeadLetterReason } from './dead-letter.js';
import { inputEventSchema, type InputEvent } from './input-events.js';
import { segmentChangeEventSchema, type SegmentChangeEvent } from './output-events.js';
import type { SchemaRegistryClient } from './schema-registry.js';

export type Decoded<T> =
  | { ok: true; event: T }
  | { ok: false; reason: DeadLetterReason; detail: string };

export type DecodeResult = Decoded<InputEvent>;

export interface InputDecoderOptions {
  /** Needed only for Avro input (SCHEMA_REGISTRY_URL); JSON needs none. */
  registry?: SchemaRegistryClient;
}

const UTF8_BOM = '\uFEFF';

/** How one contract is read: its schema, how a parsed JSON value is prepared, Avro nullables. */
interface ContractReading<T> {
  schema: z.ZodType<T>;
  fromJson(parsed: unknown): unknown;
  /** Fields whose Avro null stays null (nullable, not optional, in the contract). */
  avroNullable: ReadonlySet<string>;
}

/**
 * Turns a consumed message value (JSON, or Confluent-framed Avro) into a validated event, or
 * into the dead-letter reason that explains why not. Never throws and never rejects: a bad
 * message must not crash a consumer or block its partition (DESIGN section 4).
 *
 * A registry that cannot be reached gives `unknown_schema` with the error in the detail; the
 * dead letter keeps the original bytes, so such messages can be replayed from the DLQ.
 */
class ContractDecoder<T> {
  constructor(
    private readonly reading: ContractReading<T>,
    private readonly registry: SchemaRegistryClient | undefined,
  ) {}

  /**
   * The same answer as decode() for everything but Avro, without a promise per message (the
   * JSON path needs no registry); null for an Avro-framed message, which needs decode().
   */
  decodeNow(value: Buffer | null): Decoded<T> | null {
    if (value !== null && value.length > 0 && isConfluentFramed(value)) return null;
    try {
      if (value === null || value.length === 0) {
        return { ok: false, reason: 'empty_message', detail: 'message has no value' };
      }
      return decodeJson(value, this.reading);
    } catch (error) {
      return { ok: false, reason: 'schema_violation', detail: truncateDetail(`undecodable message: ${errorText(error)}`) };
    }
  }

  async decode(value: Buffer | null): Promise<Decoded<T>> {
    try {
      if (value === null || value.length === 0) {
        return { ok: false, reason: 'empty_message', detail: 'message has no value' };
      }
      if (isConfluentFramed(value)) return await this.decodeAvro(value);
      return decodeJson(value, this.reading);
    } catch (error) {
      // Defensive: the branches above return results for every input we know of.
      return { ok: false, reason: 'schema_violation', detail: truncateDetail(`undecodable message: ${errorText(error)}`) };
    }
  }

  private async decodeAvro(value: Buffer): Promise<Decoded<T>> {
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
    return validate(avroToPlain(record, this.reading.avroNullable), this.reading.schema);
  }
}

const INPUT_READING: ContractReading<InputEvent> = {
  schema: inputEventSchema,
  fromJson: (parsed) => dropNulls(parsed),
  avroNullable: new Set(),
};

/** Contract fields of a segment change that are nullable (not optional). */
export const SEGMENT_CHANGE_NULLABLE: ReadonlySet<string> = new Set(['from', 'recencyDays', 'r', 'f', 'm']);

const SEGMENT_CHANGE_READING: ContractReading<SegmentChangeEvent> = {
  schema: segmentChangeEventSchema,
  // Nulls are meaningful here (`from` of a first assignment): kept as they are.
  fromJson: (parsed) => parsed,
  avroNullable: SEGMENT_CHANGE_NULLABLE,
};

/** Decodes orders and interactions (the scorer's inputs). */
export class InputDecoder extends ContractDecoder<InputEvent> {
  constructor(options: InputDecoderOptions = {}) {
    super(INPUT_READING, options.registry);
  }
}

/** Decodes segment changes (the actions service's input), JSON or Avro, without throwing. */
export class SegmentChangeDecoder extends ContractDecoder<SegmentChangeEvent> {
  constructor(options: InputDecoderOptions = {}) {
    super(SEGMENT_CHANGE_READING, options.registry);
  }
}

/** The JSON path on its own, synchronous: the common case needs no registry and no await. */
export function decodeJsonInput(value: Buffer): DecodeResult {
  return decodeJson(value, INPUT_READING);
}

function decodeJson<T>(value: Buffer, reading: ContractReading<T>): Decoded<T> {
  let text = value.toString('utf8');
  if (text.startsWith(UTF8_BOM)) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: 'invalid_json', detail: truncateDetail(errorText(error)) };
  }
  return validate(reading.fromJson(parsed), reading.schema);
}

function validate<T>(candidate: unknown, schema: z.ZodType<T>): Decoded<T> {
  const result = schema.safeParse(candidate);
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
  // Most events carry no nulls and no "__proto__": then there is nothing to copy.
  let clean = true;
  for (const key in value) {
    if (value[key] === null || key === '__proto__') {
      clean = false;
      break;
    }
  }
  if (clean) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    // An own "__proto__" key from JSON.parse would become out's prototype, and zod would read
    // inherited fields through it; it is no contract field, so drop it.
    if (v !== null && key !== '__proto__') out[key] = v;
  }
  return out;
}
