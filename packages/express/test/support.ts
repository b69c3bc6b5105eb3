import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHub } from '@ssekit/core';
import type { Hub, HubOptions } from '@ssekit/core';
import express from 'express';
import express4 from 'express4';
import { afterEach } from 'vitest';
import { SseClient } from '../../testkit/src/sse-client.js';
import type { ConnectOptions } from '../../testkit/src/sse-client.js';

export { SseClient };

/** Both majors, for `describe.each`: the suite runs unchanged on each. */
export const EXPRESS_VERSIONS = [
  ['Express 5', express],
  ['Express 4', express4],
] as const;

/** The `express` factory of either major. */
export type ExpressFactory = typeof express;

/** A server listening on 127.0.0.1 on a free port. */
export interface Served {
  url: string;
  server: http.Server;
}

const servers: http.Server[] = [];
const hubs: Hub<object>[] = [];
const clients: SseClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

/** Serves `app` on 127.0.0.1:0; closed after the test. */
export async function serve(app: http.RequestListener): Promise<Served> {
  const server = http.createServer(app);
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}

/** A hub without heartbeats (they would fall between events), closed after the test. */
export function testHub<TEvents extends object = Record<string, unknown>>(options: HubOptions = {}): Hub<TEvents> {
  const hub = createHub<TEvents>({ retry: 2000, heartbeatMs: 0, ...options });
  hubs.push(hub);
  return hub;
}

/** The retry line a {@link testHub} sends first. */
export const RETRY = 'retry: 2000\n\n';

/** Opens a stream and waits for its first bytes; closed after the test. */
export async function connect(url: string, options: ConnectOptions = {}, firstBytes = RETRY): Promise<SseClient> {
  const client = await SseClient.connect(url, options);
  clients.push(client);
  if (firstBytes !== '') await client.waitFor((c) => c.raw.startsWith(firstBytes), 5000, JSON.stringify(firstBytes));
  return client;
}

/** Polls `check` until it holds; throws with `what` after `timeoutMs`. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The message `fn` throws, to compare error bodies with the exact text. */
export function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a throw');
}

/** One event block as the hub writes it. */
export function frame(id: string, data: string, event?: string): string {
  return `id: ${id}\n${event === undefined ? '' : `event: ${event}\n`}data: ${data}\n\n`;
}
