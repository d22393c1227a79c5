import type { z } from 'zod';
import { AVRO_SCHEMAS, avroToPlain, type AvroRecordSchema, confluentSchemaId, CONFLUENT_HEADER_LENGTH, isConfluentFramed } from './avro.js';
import { describeZodError, errorText } from './dead-letter.js';
import { SEGMENT_CHANGE_NULLABLE } from './input-decoder.js';
import {
  customerActionSchema,
  segmentChangeEventSchema,
  type CustomerAction,
  type SegmentChangeEvent,
} from './output-events.js';
import type { SchemaRegistryClient } from './schema-registry.js';
import { DEFAULT_TOPICS, valueSubject } from './topics.js';

export interface OutputEncoderOptions {
  /** With a registry, outputs are Confluent-framed Avro; without, UTF-8 JSON. */
  registry?: SchemaRegistryClient;
  /** Output topics; they name the subjects (`<topic>-value`, Confluent's TopicNameStrategy). */
  topics?: { segmentChanges?: string; actions?: string };
  /** Prepended to each subject, for registries shared between environments. Default ''. */
  subjectPrefix?: string;
}

/**
 * Serialises the events bondstream publishes. Each event is validated first: a malformed output
 * is our bug, and it should fail here, loudly (the call rejects), not in another team's consumer.
 */
export class OutputEncoder {
  private readonly registry: SchemaRegistryClient | undefined;
  private readonly subjects: { segmentChange: string; action: string };
  // One registration per subject and process; a failed one is retried on the next call.
  private readonly ids = new Map<string, Promise<number>>();

  constructor(options: OutputEncoderOptions = {}) {
    this.registry = options.registry;
    const prefix = options.subjectPrefix ?? '';
    this.subjects = {
      segmentChange: valueSubject(options.topics?.segmentChanges ?? DEFAULT_TOPICS.segmentChanges, prefix),
      action: valueSubject(options.topics?.actions ?? DEFAULT_TOPICS.actions, prefix),
    };
  }

  async encodeSegmentChange(event: SegmentChangeEvent): Promise<Buffer> {
    const valid = parseOutput(segmentChangeEventSchema, event, 'segment change');
    return this.encode(valid, this.subjects.segmentChange, AVRO_SCHEMAS.segmentChange);
  }

  async encodeAction(action: CustomerAction): Promise<Buffer> {
    const valid = parseOutput(customerActionSchema, action, 'customer action');
    return this.encode(valid, this.subjects.action, AVRO_SCHEMAS.customerAction);
  }

  private async encode(value: object, subject: string, schema: AvroRecordSchema): Promise<Buffer> {
    if (this.registry === undefined) return Buffer.from(JSON.stringify(value), 'utf8');
    return this.registry.encode(await this.schemaId(this.registry, subject, schema), value);
  }

  private schemaId(registry: SchemaRegistryClient, subject: string, schema: AvroRecordSchema): Promise<number> {
    let id = this.ids.get(subject);
    if (id === undefined) {
      id = registry.register(schema, { subject }).then((registered) => registered.id);
      this.ids.set(subject, id);
      id.catch(() => this.ids.delete(subject));
    }
    return id;
  }
}

function parseOutput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`invalid ${what}: ${describeZodError(result.error)}`);
  return result.data;
}

export interface DecodeOutputOptions {
  /** Needed to read Avro-framed outputs. */
  registry?: SchemaRegistryClient;
}


/**
 * Reads a segment change as published, JSON or Confluent Avro, for tests and downstream
 * consumers. Unlike the input decoder it throws: here a bad message is a failed expectation.
 */
export function decodeSegmentChange(value: Buffer, options: DecodeOutputOptions = {}): Promise<SegmentChangeEvent> {
  return decodeOutput(value, options, segmentChangeEventSchema, SEGMENT_CHANGE_NULLABLE, 'segment change');
}

export function decodeCustomerAction(value: Buffer, options: DecodeOutputOptions = {}): Promise<CustomerAction> {
  return decodeOutput(value, options, customerActionSchema, new Set(), 'customer action');
}

async function decodeOutput<T>(
  value: Buffer,
  options: DecodeOutputOptions,
  schema: z.ZodType<T>,
  nullable: ReadonlySet<string>,
  what: string,
): Promise<T> {
  let candidate: unknown;
  if (isConfluentFramed(value)) {
    if (options.registry === undefined) throw new Error(`Avro-framed ${what} but no schema registry given`);
    const writer = await options.registry.getSchema(confluentSchemaId(value));
    candidate = avroToPlain(writer.fromBuffer(value.subarray(CONFLUENT_HEADER_LENGTH)), nullable);
  } else {
    try {
      candidate = JSON.parse(value.toString('utf8'));
    } catch (error) {
      throw new Error(`${what} is neither Confluent Avro nor JSON: ${errorText(error)}`);
    }
  }
  return parseOutput(schema, candidate, what);
}
