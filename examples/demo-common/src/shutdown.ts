import type { Server } from 'node:http';
import type { Http2Server } from 'node:http2';
import { closeResources, whenReady } from './lifecycle.js';

/**
 * On SIGTERM or SIGINT: runs `drain` (which ends every stream), closes the server, and exits 0;
 * exits 1 if that has not finished within `timeoutMs`.
 * @param server - the listening server.
 * @param drain - ends the streams (e.g. `() => hub.close()`).
 * @param timeoutMs - the deadline.
 */
export function exitOnSignals(server: Server | Http2Server, drain: () => Promise<void>, timeoutMs = 4000): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => {
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    void (async () => {
      try {
        await drain();
        await closeResources();
      } finally {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        if ('closeIdleConnections' in server) {
          server.closeIdleConnections();
          // A connection still mid-request gets a moment, then goes too.
          setTimeout(() => server.closeAllConnections(), 1000).unref();
        }
        await closed;
        clearTimeout(deadline);
        process.exit(0);
      }
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Prints the line the contract asks for once the server listens. */
export function announce(server: Server | Http2Server, host: string): void {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : address;
  const shown = host.includes(':') ? `[${host}]` : host;
  // Not before the hub's backend is ready (Redis subscribed), so clients find it working.
  void whenReady().then(() => process.stdout.write(`listening on http://${shown}:${String(port)}\n`));
}
