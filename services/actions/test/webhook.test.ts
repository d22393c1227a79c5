import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@bondstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postAction, signPayload } from '../src/webhook.js';

const SECRET = 'a-webhook-secret-of-32-bytes-xyz';

describe('signPayload', () => {
  it('is sha256=HMAC-SHA256(secret, "<timestamp>.<body>") in hex (checked against openssl)', () => {
    // printf '%s' '1700000000.{"actionId":"a-1"}' | openssl dgst -sha256 -hmac '<secret>'
    expect(signPayload(SECRET, '1700000000', '{"actionId":"a-1"}')).toBe(
      'sha256=f64c234c7f6102fab44e5a4c6bdffb3fcc451a0fab2f1db6b9b3eae7e969aeb5',
    );
    expect(signPayload(SECRET, '1700000001', '{"actionId":"a-1"}')).not.toBe(signPayload(SECRET, '1700000000', '{"actionId":"a-1"}'));
  });
});

describe('postAction against a real HTTP server', () => {
  let server: Server;
  let base: string;
  const seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ url: request.url ?? '', headers: request.headers, body });
        const status = Number(request.url?.slice(1));
        if (request.url === '/hang') return; // never answers
        response.writeHead(status).end('ignored body');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const post = (path: string, timeoutMs = 2_000) => postAction({ url: `${base}${path}`, secret: SECRET, timeoutMs }, '{"actionId":"a-1"}', 'a-1', 2);

  it('sends the action signed, with its idempotency key and attempt number', async () => {
    expect(await post('/204')).toEqual({ ok: true });
    const request = seen.find((r) => r.url === '/204')!;
    expect(request.body).toBe('{"actionId":"a-1"}');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toBe('a-1');
    expect(request.headers['x-bondstream-attempt']).toBe('2');
    const timestamp = String(request.headers['x-bondstream-timestamp']);
    expect(Math.abs(Number(timestamp) - Date.now() / 1_000)).toBeLessThan(5);
    expect(request.headers['x-bondstream-signature']).toBe(signPayload(SECRET, timestamp, request.body));
  });

  it.each([
    ['/503', { ok: false, reason: 'http_5xx', retriable: true, detail: 'HTTP 503' }],
    ['/429', { ok: false, reason: 'http_4xx', retriable: true, detail: 'HTTP 429' }],
    ['/408', { ok: false, reason: 'http_4xx', retriable: true, detail: 'HTTP 408' }],
    ['/401', { ok: false, reason: 'http_4xx', retriable: false, detail: 'HTTP 401' }],
    ['/301', { ok: false, reason: 'network', retriable: true }],
  ])('classifies %s', async (path, expected) => {
    expect(await post(path)).toMatchObject(expected);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const started = Date.now();
    expect(await post('/hang', 300)).toEqual({ ok: false, reason: 'timeout', retriable: true, detail: 'no answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports a refused connection as a network failure', async () => {
    const port = await freePort();
    const result = await postAction({ url: `http://127.0.0.1:${port}/`, secret: SECRET, timeoutMs: 1_000 }, '{}', 'a-1', 1);
    expect(result).toMatchObject({ ok: false, reason: 'network', retriable: true });
    expect(result.ok ? '' : result.detail).toMatch(/ECONNREFUSED/);
  });
});
