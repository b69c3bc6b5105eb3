import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Transport } from './types.js';

/** Listens on 127.0.0.1:0; resolves with the base URL and a close that ends every connection. */
export function listen(server: Server): Promise<{ url: string; http: Server; close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        http: server,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A Node request's header, the first value when repeated. */
export function nodeHeader(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** How `@ssekit/node` frames answers, under every Node framework. */
export const NODE_TRANSPORT: Transport = {
  streamConnection: 'keep-alive',
  sizedRetryAnswer: true,
  preflightLength: true,
  evictionDestroys: true,
  closesAfterStream: true,
};

/** The body of `GET /page` behind compression: long enough for every compressor's threshold. */
export const PAGE = 'x'.repeat(4096);

/** What the `'write'` prelude writes before the stream. */
export const ALREADY_STARTED = 'already started\n';
