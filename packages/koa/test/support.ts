import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHub } from '@ssekit/core';
import type { Hub, HubOptions } from '@ssekit/core';
import { SseClient } from '@ssekit/testkit';
import type { ConnectOptions } from '@ssekit/testkit';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import { afterEach } from 'vitest';

/** Both major versions the adapter supports; every behaviour test runs against each. */
export const KOA_VERSIONS = [
  { name: 'koa 3', Koa: Koa3 },
  { name: 'koa 2', Koa: Koa2 },
] as const;

/** A Koa app listening on 127.0.0.1 on a free port. */
export interface Listening {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts `app` on 127.0.0.1:0; `close()` drops every connection and waits for the server. */
export function listen(app: Koa3): Promise<Listening> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** The first bytes of every hub stream in these tests (`retry: 1000`). */
export const RETRY = 'retry: 1000\n';

/**
 * Hubs, servers and clients for one test file, all closed after each test.
 * Hubs default to `retry: 1000` and no heartbeats, so streams hold only what a test sends.
 */
export function useHarness(): {
  hub: <TEvents extends object = Record<string, unknown>>(options?: HubOptions) => Hub<TEvents>;
  serve: (app: Koa3) => Promise<Listening>;
  connect: (url: string, options?: ConnectOptions) => Promise<SseClient>;
} {
  const hubs: Hub<object>[] = [];
  const servers: Listening[] = [];
  const clients: SseClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all(hubs.splice(0).map((hub) => hub.close()));
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return {
    hub: <TEvents extends object = Record<string, unknown>>(options: HubOptions = {}) => {
      const hub = createHub<TEvents>({ retry: 1000, heartbeatMs: 0, ...options });
      hubs.push(hub);
      return hub;
    },
    serve: async (app) => {
      const server = await listen(app);
      servers.push(server);
      return server;
    },
    connect: async (url, options) => {
      const client = await SseClient.connect(url, options);
      clients.push(client);
      return client;
    },
  };
}
