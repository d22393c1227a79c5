import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import avro from 'avsc';

/**
 * A FAKE Confluent Schema Registry, for tests only (the real one runs in docker-compose, which
 * cannot run on these machines). It serves the REST subset that
 * @kafkajs/confluent-schema-registry 3.9 calls (dist/api/index.js) and that
 * RestSchemaRegistryClient uses:
 *
 *   POST /subjects/{subject}/versions                      register -> { id }
 *   POST /subjects/{subject}                               look a schema up -> { subject, id, version, schema }
 *   GET  /subjects                                         subject names
 *   GET  /subjects/{subject}/versions                      version numbers
 *   GET  /subjects/{subject}/versions/{version|latest}     { subject, id, version, schema }
 *   GET  /schemas/ids/{id}                                 { schema } (+ schemaType unless AVRO)
 *   GET  /config, GET|PUT /config/{subject}                compatibility level (stored, not enforced)
 *   POST /compatibility/subjects/{subject}/versions/{v}    always { is_compatible: true }
 *
 * Like the real registry: ids are global, the same schema (modulo JSON whitespace) gets the
 * same id under any subject, registering it again under a subject adds no version, Avro schemas
 * are parsed on registration (422 when invalid), errors are { error_code, message }.
 * Unlike it: no compatibility checks, no references, no deletes, no persistence.
 */

export interface FakeSchemaRegistry {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  stop(): Promise<void>;
  /** Registered schema text by id. */
  schemas: Map<number, string>;
  /** Every request as "METHOD /path", so tests can assert caching. */
  requests: string[];
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const MAX_BODY_BYTES = 1 << 20;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

interface Version {
  version: number;
  id: number;
}

export async function startFakeSchemaRegistry(): Promise<FakeSchemaRegistry> {
  const schemas = new Map<number, string>();
  const schemaTypes = new Map<number, string>();
  const idByCanonical = new Map<string, number>();
  const subjects = new Map<string, Version[]>();
  const configs = new Map<string, string>();
  const requests: string[] = [];

  const canonical = (text: string, schemaType: string) => {
    try {
      return `${schemaType}:${JSON.stringify(JSON.parse(text))}`;
    } catch {
      return `${schemaType}:${text}`;
    }
  };

  const versionsOf = (subject: string): Version[] => {
    const versions = subjects.get(subject);
    if (versions === undefined || versions.length === 0) {
      throw new HttpError(404, 40401, `Subject '${subject}' not found.`);
    }
    return versions;
  };

  const describe = (subject: string, v: Version) => {
    const schemaType = schemaTypes.get(v.id) ?? 'AVRO';
    return {
      subject,
      version: v.version,
      id: v.id,
      schema: schemas.get(v.id),
      ...(schemaType === 'AVRO' ? {} : { schemaType }),
    };
  };

  const schemaFromBody = (body: unknown): { text: string; schemaType: string } => {
    const { schema, schemaType } = (body ?? {}) as { schema?: unknown; schemaType?: unknown };
    if (typeof schema !== 'string') throw new HttpError(422, 42201, 'Invalid schema: "schema" must be a string');
    const type = typeof schemaType === 'string' ? schemaType : 'AVRO';
    if (type === 'AVRO') {
      try {
        avro.Type.forSchema(JSON.parse(schema) as avro.Schema);
      } catch (error) {
        throw new HttpError(422, 42201, `Invalid schema: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { text: schema, schemaType: type };
  };

  const findVersion = (subject: string, text: string, schemaType: string): Version | undefined => {
    const id = idByCanonical.get(canonical(text, schemaType));
    return subjects.get(subject)?.find((v) => v.id === id);
  };

  const route = (method: string, parts: string[], body: unknown): unknown => {
    const [head, a, b, c, d] = parts;
    if (head === 'subjects') {
      if (a === undefined) {
        if (method === 'GET') return [...subjects.keys()];
      } else if (b === undefined) {
        if (method === 'POST') {
          const { text, schemaType } = schemaFromBody(body);
          versionsOf(a);
          const found = findVersion(a, text, schemaType);
          if (found === undefined) throw new HttpError(404, 40403, 'Schema not found');
          return describe(a, found);
        }
      } else if (b === 'versions') {
        if (c === undefined && method === 'POST') {
          const { text, schemaType } = schemaFromBody(body);
          const key = canonical(text, schemaType);
          let id = idByCanonical.get(key);
          if (id === undefined) {
            id = schemas.size + 1;
            idByCanonical.set(key, id);
            schemas.set(id, text);
            schemaTypes.set(id, schemaType);
          }
          const versions = subjects.get(a) ?? [];
          if (!versions.some((v) => v.id === id)) {
            versions.push({ version: versions.length + 1, id });
            subjects.set(a, versions);
          }
          return { id };
        }
        if (c === undefined && method === 'GET') return versionsOf(a).map((v) => v.version);
        if (c !== undefined && d === undefined && method === 'GET') {
          const versions = versionsOf(a);
          const found = c === 'latest' ? versions[versions.length - 1] : versions.find((v) => String(v.version) === c);
          if (found === undefined) throw new HttpError(404, 40402, `Version ${c} not found.`);
          return describe(a, found);
        }
      }
    } else if (head === 'schemas' && a === 'ids' && b !== undefined && c === undefined && method === 'GET') {
      const id = Number(b);
      const text = schemas.get(id);
      if (text === undefined) throw new HttpError(404, 40403, `Schema ${b} not found`);
      const schemaType = schemaTypes.get(id) ?? 'AVRO';
      return schemaType === 'AVRO' ? { schema: text } : { schema: text, schemaType };
    } else if (head === 'config') {
      if (a === undefined && method === 'GET') return { compatibilityLevel: 'BACKWARD' };
      if (a !== undefined && b === undefined && method === 'GET') {
        const level = configs.get(a);
        if (level === undefined) {
          throw new HttpError(404, 40408, `Subject '${a}' does not have subject-level compatibility configured`);
        }
        return { compatibilityLevel: level };
      }
      if (a !== undefined && b === undefined && method === 'PUT') {
        const level = (body as { compatibility?: unknown } | null)?.compatibility;
        if (typeof level !== 'string') throw new HttpError(422, 42203, 'Invalid compatibility level');
        configs.set(a, level.toUpperCase());
        return { compatibility: level.toUpperCase() };
      }
    } else if (head === 'compatibility' && a === 'subjects' && b !== undefined && c === 'versions' && method === 'POST') {
      schemaFromBody(body);
      return { is_compatible: true };
    }
    throw new HttpError(404, 404, `HTTP 404 Not Found: ${method} /${parts.join('/')}`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    requests.push(`${method} ${path}`);
    let status = 200;
    let payload: unknown;
    try {
      const raw = await readBody(req);
      let body: unknown;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new HttpError(400, 400, 'Unrecognized JSON body');
        }
      }
      const parts = path.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
      payload = route(method, parts, body);
    } catch (error) {
      const e = error instanceof HttpError ? error : new HttpError(500, 50001, String(error));
      status = e.status;
      payload = { error_code: e.errorCode, message: e.message };
    }
    res.writeHead(status, { 'Content-Type': CONTENT_TYPE });
    res.end(JSON.stringify(payload));
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    schemas,
    requests,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Clients keep connections alive; close them so stop() does not wait for their timeout.
        server.closeAllConnections();
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 413, 'Request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
