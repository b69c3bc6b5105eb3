import { announceListening, createFetchDemo, onStopSignals } from '@ssekit/demo-common';
import type { BunServer } from './bun-api.js';
import { Bun } from './bun-api.js';

// Demo-only (`IDLE_TIMEOUT_S`, for the idle-timeout test): Bun's `idleTimeout`, 10 s by default.
const idleTimeout = Number(process.env.IDLE_TIMEOUT_S ?? 10);
if (!Number.isInteger(idleTimeout) || idleTimeout < 0 || idleTimeout > 255) {
  throw new Error(`IDLE_TIMEOUT_S must be an integer from 0 to 255, got ${process.env.IDLE_TIMEOUT_S ?? ''}`);
}

// Bun.serve speaks only HTTP/1.1, where the contract asks for `Connection: keep-alive`.
const HTTP1_HEADERS = { connection: 'keep-alive' };

const demo = createFetchDemo({
  streamHeaders: () => HTTP1_HEADERS,
  // Bun closes a connection idle for `idleTimeout` (10 s by default), and a quiet stream is idle
  // between heartbeats; streams opt out of it, every other request keeps it.
  onStream: (request) => server.timeout(request, 0),
});

const server: BunServer = Bun.serve({
  hostname: demo.config.host,
  port: demo.config.port,
  development: false,
  idleTimeout,
  fetch: (request) => demo.route(request).catch(demo.answerFailure),
});

announceListening(demo.config.host, server.port);

onStopSignals(
  () => server.stop(),
  () => demo.close(),
);
