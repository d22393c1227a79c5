import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AVRO_SCHEMAS, RestSchemaRegistryClient, startFakeSchemaRegistry, type FakeSchemaRegistry } from '../src/index.js';

// The calls @kafkajs/confluent-schema-registry 3.9 makes (dist/api/index.js and
// SchemaRegistry.js), with the response fields it reads, exercised over plain HTTP.
let fake: FakeSchemaRegistry;
beforeAll(async () => {
  fake = await startFakeSchemaRegistry();
});
afterAll(async () => {
  await fake.stop();
});

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: { 'Content-Type': CONTENT_TYPE },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.headers.get('content-type')).toBe(CONTENT_TYPE);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const orderSchema = JSON.stringify(AVRO_SCHEMAS.orderEvent);
const subject = encodeURIComponent('crm.orders.v1-value');

describe('fake schema registry', () => {
  it('follows the Confluent client through a first registration (config 404, register, set config)', async () => {
    expect(await call('GET', `/config/${subject}`)).toMatchObject({ status: 404, body: { error_code: 40408 } });
    const registered = await call('POST', `/subjects/${subject}/versions`, { schema: orderSchema });
    expect(registered.status).toBe(200);
    expect(typeof registered.body.id).toBe('number');
    expect(await call('PUT', `/config/${subject}`, { compatibility: 'BACKWARD' })).toMatchObject({ status: 200 });
    expect(await call('GET', `/config/${subject}`)).toEqual({ status: 200, body: { compatibilityLevel: 'BACKWARD' } });
  });

  it('gives the same schema the same id, under any subject and regardless of whitespace', async () => {
    const first = await call('POST', `/subjects/${subject}/versions`, { schema: orderSchema });
    const again = await call('POST', `/subjects/${subject}/versions`, { schema: JSON.stringify(AVRO_SCHEMAS.orderEvent, null, 2) });
    const elsewhere = await call('POST', '/subjects/other-value/versions', { schema: orderSchema });
    expect(again.body.id).toBe(first.body.id);
    expect(elsewhere.body.id).toBe(first.body.id);
    expect((await call('GET', `/subjects/${subject}/versions`)).body).toEqual([1]);
    const other = await call('POST', `/subjects/${subject}/versions`, { schema: JSON.stringify(AVRO_SCHEMAS.customerAction) });
    expect(other.body.id).not.toBe(first.body.id);
    expect((await call('GET', `/subjects/${subject}/versions`)).body).toEqual([1, 2]);
  });

  it('serves schemas by id, versions, latest, lookups and subjects', async () => {
    const { body } = await call('POST', `/subjects/${subject}/versions`, { schema: orderSchema });
    const id = body.id as number;
    expect(await call('GET', `/schemas/ids/${id}`)).toEqual({ status: 200, body: { schema: orderSchema } });
    expect(fake.schemas.get(id)).toBe(orderSchema);
    expect((await call('GET', `/subjects/${subject}/versions/1`)).body).toMatchObject({ id, version: 1, schema: orderSchema });
    expect((await call('GET', `/subjects/${subject}/versions/latest`)).body).toMatchObject({ version: 2 });
    expect((await call('POST', `/subjects/${subject}`, { schema: orderSchema })).body).toMatchObject({ id, version: 1 });
    expect((await call('GET', '/subjects')).body).toContain('crm.orders.v1-value');
    expect(await call('POST', `/compatibility/subjects/${subject}/versions/latest`, { schema: orderSchema })).toEqual({
      status: 200,
      body: { is_compatible: true },
    });
  });

  it('answers unknown ids, subjects and versions with Confluent error codes', async () => {
    expect(await call('GET', '/schemas/ids/999')).toMatchObject({ status: 404, body: { error_code: 40403 } });
    expect(await call('GET', '/subjects/nope/versions/latest')).toMatchObject({ status: 404, body: { error_code: 40401 } });
    expect(await call('GET', `/subjects/${subject}/versions/99`)).toMatchObject({ status: 404, body: { error_code: 40402 } });
    expect(await call('POST', `/subjects/${subject}`, { schema: JSON.stringify({ type: 'record', name: 'Z', fields: [] }) }))
      .toMatchObject({ status: 404, body: { error_code: 40403 } });
  });

  it('rejects an invalid Avro schema with 422', async () => {
    const result = await call('POST', '/subjects/bad-value/versions', { schema: '{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}' });
    expect(result).toMatchObject({ status: 422, body: { error_code: 42201 } });
    await expect(new RestSchemaRegistryClient({ host: fake.url }).register({ type: 'record', name: 'X', fields: [{ name: 'a', type: 'nope' }] }, { subject: 'bad-value' }))
      .rejects.toThrow(/422/);
  });
});
