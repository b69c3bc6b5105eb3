import http from 'node:http';
import { createHub, isSsekitError } from '@ssekit/core';
import { createSseHandler } from '@ssekit/node';

const hub = createHub({
  // Streams end after 30 minutes (less up to 10 %, at random) and reconnect, so clients spread
  // over new instances after a deploy and authorization is checked again.
  maxLifetimeMs: 30 * 60_000,
});
const server = http.createServer(createSseHandler({ hub })).listen(3000);

// Publishers run until the process exits. Once hub.close() has run, every publish rejects with
// `closed`: expected during a shutdown, so only other failures are logged.
export function publishQuote(symbol: string, value: number): void {
  hub.publish('quotes', { event: 'quote', data: { symbol, value } }).catch((err: unknown) => {
    if (!isSsekitError(err, 'closed')) console.error('ssekit: publish failed', err);
  });
}

process.once('SIGTERM', () => {
  // Under the orchestrator's grace period: a shutdown that hangs still ends.
  setTimeout(() => process.exit(1), 10_000).unref();
  // No new connections; then every stream ends with a last `retry:` hint of 2 to 7 s, so
  // clients come back to the other instances spread out, not all in the same second. A stream
  // whose client stopped reading is reset rather than waited for.
  server.close();
  hub
    .close({ retry: 2000, retryJitterMs: 5000 })
    .catch((err: unknown) => {
      console.error('ssekit: shutdown failed', err);
    })
    .finally(() => {
      server.closeIdleConnections();
    });
});
