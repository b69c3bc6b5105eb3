import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import express4 from 'express4';
import { afterEach } from 'vitest';

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

afterEach(async () => {
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
