import http from 'node:http';
import { createHub } from '@ssekit/core';
import { createSseHandler } from '@ssekit/node';

const hub = createHub({
  // Streams end after 30 minutes (less up to 10 %, at random) and reconnect, so clients spread
  // over new instances after a deploy and authorization is checked again.
  maxLifetimeMs: 30 * 60_000,
});
const server = http.createServer(createSseHandler(hub)).listen(3000);

process.once('SIGTERM', () => {
  // No new connections; then every stream ends with a last `retry:` hint of 2 to 7 s, so
  // clients come back to the other instances spread out, not all in the same second.
  server.close();
  void hub.close({ retry: 2000, retryJitterMs: 5000 }).then(() => {
    server.closeIdleConnections();
  });
});
