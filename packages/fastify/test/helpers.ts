import { Writable } from 'node:stream';
import type { Hub } from '@ssekit/core';
import { SseClient } from '@ssekit/testkit';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';

/** Listens on 127.0.0.1, a free port; resolves the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

/** What a pino logger wrote, one parsed object per line. */
export interface LogCapture {
  stream: Writable;
  lines: Record<string, unknown>[];
}

export function captureLog(): LogCapture {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { stream, lines };
}

/** The handler of an `{ sse }` route that has nothing more to do once its stream is open. */
export function streamOpen(request: { log: FastifyBaseLogger }): void {
  request.log.debug('stream open');
}

/** Response headers without the ones that vary (date) and without symbol keys. */
export function stableHeaders(headers: object): Record<string, unknown> {
  const plain: Record<string, unknown> = Object.fromEntries(Object.entries(headers));
  delete plain.date;
  return plain;
}

/** Fastify's default error body. */
export function fastifyError(statusCode: number, error: string, message: string, code?: string): string {
  return JSON.stringify(code === undefined ? { statusCode, error, message } : { statusCode, code, error, message });
}

/**
 * Closes, after each test, the clients it connected, then the hub and the app it made (a hub's
 * close ends its streams before the app's close waits for their connections). The test file
 * keeps the hub and app in its own variables; `opened` reads them.
 * @returns how the tests connect a client that is closed with them.
 */
export function closedAfterEach(
  opened: () => readonly [Hub | undefined, FastifyInstance | undefined],
): (url: string, options?: Parameters<typeof SseClient.connect>[1]) => Promise<SseClient> {
  const clients: SseClient[] = [];
  const closed = new WeakSet<object>();
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const thing of opened()) {
      if (thing === undefined || closed.has(thing)) continue;
      closed.add(thing);
      await thing.close();
    }
  });
  return async (url, options = {}) => {
    const client = await SseClient.connect(url, options);
    clients.push(client);
    return client;
  };
}
