import type { Server } from 'node:http';
import type { Http2Server } from 'node:http2';
import { closeResources, whenReady } from './lifecycle.js';

/**
 * On SIGTERM or SIGINT: runs `drain` (which ends every stream), closes what the hub's backend
 * holds, runs `closeServer`, and exits 0; exits 1 if that has not finished within `timeoutMs`.
 * The runtime-neutral part of {@link exitOnSignals}: a host that is not a node:http server
 * (Bun, Deno) passes its own way to stop listening.
 * @param closeServer - stops the server and resolves once its requests are done.
 * @param drain - ends the streams (e.g. `() => hub.close()`).
 * @param timeoutMs - the deadline.
 */
export function onStopSignals(closeServer: () => Promise<void>, drain: () => Promise<void>, timeoutMs = 4000): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => {
      process.exit(1);
    }, timeoutMs);
    (deadline as { unref?: () => void }).unref?.();
    void (async () => {
      try {
        await drain();
        await closeResources();
      } finally {
        await closeServer();
        clearTimeout(deadline);
        process.exit(0);
      }
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/**
 * On SIGTERM or SIGINT: runs `drain` (which ends every stream), closes the server, and exits 0;
 * exits 1 if that has not finished within `timeoutMs`.
 * @param server - the listening server.
 * @param drain - ends the streams (e.g. `() => hub.close()`).
 * @param timeoutMs - the deadline.
 */
export function exitOnSignals(server: Server | Http2Server, drain: () => Promise<void>, timeoutMs = 4000): void {
  onStopSignals(
    () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ('closeIdleConnections' in server) {
        server.closeIdleConnections();
        // A connection still mid-request gets a moment, then goes too.
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      }
      return closed;
    },
    drain,
    timeoutMs,
  );
}

/**
 * Prints the line the contract asks for, `listening on http://HOST:PORT`, once the hub's backend
 * is ready (Redis subscribed), so clients find it working.
 * @param host - the bind address.
 * @param port - the port it listens on (the real one when `PORT=0`).
 */
export function announceListening(host: string, port: number | string | null): void {
  const shown = host.includes(':') ? `[${host}]` : host;
  void whenReady().then(() => process.stdout.write(`listening on http://${shown}:${String(port)}\n`));
}

/** Prints the line the contract asks for once the server listens. */
export function announce(server: Server | Http2Server, host: string): void {
  const address = server.address();
  announceListening(host, typeof address === 'object' && address !== null ? address.port : address);
}
