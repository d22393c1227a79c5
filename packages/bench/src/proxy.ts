import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface RoundTripProxy {
  port: number;
  /**
   * client→server turns so far: requests sent after the previous reply (a pipeline is one); of
   * the connections that named themselves `connectionName` (CLIENT SETNAME) when given
   */
  roundTrips(connectionName?: string): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of Redis that counts round trips: on each connection, every time the
 * client sends after having received something (or for the first time) is one round trip. A
 * pipeline written in several TCP segments still counts once; requests of concurrent pipelines
 * on one connection that overlap count once too (they share the wait, which is the point).
 */
export async function startRoundTripProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<RoundTripProxy> {
  let total = 0;
  const byName = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ port: targetPort, host: targetHost });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    let awaitingReply = false;
    let name: string | null = null;
    client.on('data', (chunk) => {
      // ioredis names its connection first thing: CLIENT SETNAME <name> (RESP)
      name ??= /SETNAME\r\n\$\d+\r\n([^\r]+)\r\n/i.exec(chunk.toString('latin1'))?.[1] ?? null;
      if (!awaitingReply) {
        total += 1;
        if (name !== null) byName.set(name, (byName.get(name) ?? 0) + 1);
      }
      awaitingReply = true;
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('data', (chunk) => {
      awaitingReply = false;
      if (!client.write(chunk)) upstream.pause();
    });
    upstream.on('drain', () => client.resume());
    client.on('drain', () => upstream.resume());
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    roundTrips: (connectionName) => (connectionName === undefined ? total : byName.get(connectionName) ?? 0),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
