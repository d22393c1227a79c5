import avro from 'avsc';
import type { AvroRecordSchema } from './avro.js';
import { CONFLUENT_HEADER_LENGTH, CONFLUENT_MAGIC_BYTE, confluentSchemaId, isConfluentFramed } from './avro.js';

/**
 * The part of a Schema Registry client that the serde uses. `SchemaRegistry` from
 * @kafkajs/confluent-schema-registry satisfies it as is (checked at compile time in
 * registry-compat.ts); so does the small built-in `RestSchemaRegistryClient` below.
 */
export interface SchemaRegistryClient {
  /** Registers (or finds) the schema under the subject and returns its global id. */
  register(schema: AvroRecordSchema, options: { subject: string }): Promise<{ id: number }>;
  /** The writer schema of an id; rejects when the registry does not know the id. */
  getSchema(registryId: number): Promise<{ fromBuffer(buffer: Buffer): unknown }>;
  /** Confluent-framed Avro encoding of the payload with the schema of that id. */
  encode(registryId: number, payload: unknown): Promise<Buffer>;
}

export interface RestSchemaRegistryOptions {
  /** Base URL; user:password in it is sent as basic auth. */
  host: string;
  /** Per-request timeout, so an unreachable registry fails a lookup instead of hanging it. */
  timeoutMs?: number;
}

interface AvscType {
  fromBuffer(buffer: Buffer): unknown;
  toBuffer(value: unknown): Buffer;
}

/**
 * A minimal client of the Schema Registry REST API (register, schema by id), Avro only.
 * It exists because @kafkajs/confluent-schema-registry needs `mappersmith` and `protobufjs`
 * at runtime, which not every install of this repository has; `createSchemaRegistryClient`
 * prefers the Confluent client and falls back to this one.
 */
export class RestSchemaRegistryClient implements SchemaRegistryClient {
  private readonly baseUrl: string;
  private readonly authorization: string | undefined;
  private readonly timeoutMs: number;
  // Promises, not values: concurrent lookups of one id make a single request.
  private readonly schemas = new Map<number, Promise<AvscType>>();

  constructor(options: RestSchemaRegistryOptions) {
    const url = new URL(options.host);
    if (url.username !== '') {
      const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      this.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    this.baseUrl = url.toString().replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  async register(schema: AvroRecordSchema, options: { subject: string }): Promise<{ id: number }> {
    const text = JSON.stringify(schema);
    const body = await this.request('POST', `/subjects/${encodeURIComponent(options.subject)}/versions`, {
      schema: text,
    });
    const id = (body as { id?: unknown }).id;
    if (typeof id !== 'number') throw new Error(`schema registry: no id in register response for ${options.subject}`);
    this.schemas.set(id, Promise.resolve(avro.Type.forSchema(schema as avro.Schema) as AvscType));
    return { id };
  }

  getSchema(registryId: number): Promise<AvscType> {
    let pending = this.schemas.get(registryId);
    if (pending === undefined) {
      pending = this.fetchSchema(registryId);
      this.schemas.set(registryId, pending);
      // Do not cache failures: the registry may be back, or the id registered, on the next try.
      pending.catch(() => this.schemas.delete(registryId));
    }
    return pending;
  }

  async encode(registryId: number, payload: unknown): Promise<Buffer> {
    const type = await this.getSchema(registryId);
    const header = Buffer.alloc(CONFLUENT_HEADER_LENGTH);
    header.writeUInt8(CONFLUENT_MAGIC_BYTE, 0);
    header.writeInt32BE(registryId, 1);
    return Buffer.concat([header, type.toBuffer(payload)]);
  }

  /** Decodes a Confluent-framed Avro buffer (same method as the Confluent client). */
  async decode(buffer: Buffer): Promise<unknown> {
    if (!isConfluentFramed(buffer)) throw new Error('not a Confluent-framed message');
    const type = await this.getSchema(confluentSchemaId(buffer));
    return type.fromBuffer(buffer.subarray(CONFLUENT_HEADER_LENGTH));
  }

  private async fetchSchema(registryId: number): Promise<AvscType> {
    const body = (await this.request('GET', `/schemas/ids/${registryId}`)) as { schema?: unknown; schemaType?: unknown };
    if (body.schemaType !== undefined && body.schemaType !== 'AVRO') {
      throw new Error(`schema registry: schema ${registryId} is ${String(body.schemaType)}, only AVRO is supported`);
    }
    if (typeof body.schema !== 'string') throw new Error(`schema registry: no schema text for id ${registryId}`);
    return avro.Type.forSchema(JSON.parse(body.schema) as avro.Schema) as AvscType;
  }

  private async request(method: 'GET' | 'POST', path: string, json?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { Accept: 'application/vnd.schemaregistry.v1+json, application/json' };
    if (this.authorization !== undefined) headers.Authorization = this.authorization;
    if (json !== undefined) headers['Content-Type'] = 'application/vnd.schemaregistry.v1+json';
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    if (!response.ok) {
      const message = (body as { message?: unknown } | null)?.message;
      throw new Error(
        `schema registry: ${method} ${path} -> ${response.status}${typeof message === 'string' ? `: ${message}` : ''}`,
      );
    }
    return body;
  }
}

/**
 * The client for SCHEMA_REGISTRY_URL: @kafkajs/confluent-schema-registry (retries, caching,
 * compatibility config) when it can be loaded, else RestSchemaRegistryClient. Loaded lazily so
 * that importing this package never fails because of the registry client's dependencies.
 */
export async function createSchemaRegistryClient(url: string): Promise<SchemaRegistryClient> {
  let confluent: { SchemaRegistry: new (args: { host: string; auth?: { username: string; password: string } }) => unknown };
  try {
    const mod = (await import('@kafkajs/confluent-schema-registry')) as unknown as typeof confluent & {
      default?: typeof confluent;
    };
    confluent = mod.SchemaRegistry !== undefined ? mod : (mod.default as typeof confluent);
  } catch {
    return new RestSchemaRegistryClient({ host: url });
  }
  const parsed = new URL(url);
  const auth =
    parsed.username !== ''
      ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) }
      : undefined;
  parsed.username = '';
  parsed.password = '';
  const host = parsed.toString().replace(/\/+$/, '');
  return new confluent.SchemaRegistry(auth === undefined ? { host } : { host, auth }) as SchemaRegistryClient;
}
