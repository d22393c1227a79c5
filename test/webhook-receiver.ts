import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  atMs: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status this receiver answered (null: it never answered). */
  status: number | null;
}

/** What to do with the n-th (1-based) delivery of an Idempotency-Key: a status, or 'hang'. */
export type Behaviour = (attempt: number) => number | 'hang';

export interface WebhookReceiver {
  url: string;
  deliveries: ReceivedDelivery[];
  /** The accepted (2xx) bodies, by Idempotency-Key. */
  accepted(): Map<string, string[]>;
  stop(): Promise<void>;
}

/** A real HTTP receiver on 127.0.0.1, as a marketing-automation endpoint would be. */
export async function startWebhookReceiver(behaviour: Behaviour): Promise<WebhookReceiver> {
  const deliveries: ReceivedDelivery[] = [];
  const attempts = new Map<string, number>();
  const hanging = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const key = String(request.headers['idempotency-key']);
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const answer = behaviour(attempt);
      deliveries.push({ atMs: Date.now(), headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), status: answer === 'hang' ? null : answer });
      if (answer === 'hang') {
        hanging.add(response);
        return;
      }
      response.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/bondstream`,
    deliveries,
    accepted: () => {
      const byKey = new Map<string, string[]>();
      for (const d of deliveries) {
        if (d.status === null || d.status >= 300) continue;
        const key = String(d.headers['idempotency-key']);
        byKey.set(key, [...(byKey.get(key) ?? []), d.body]);
      }
      return byKey;
    },
    stop: () => new Promise((resolve) => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The check a receiver makes (README): HMAC-SHA256 over `<timestamp>.<body>`, constant-time compare. */
export function signatureIsValid(secret: string, delivery: ReceivedDelivery): boolean {
  const timestamp = String(delivery.headers['x-bondstream-timestamp']);
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${delivery.body}`).digest('hex')}`);
  const given = Buffer.from(String(delivery.headers['x-bondstream-signature']));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
