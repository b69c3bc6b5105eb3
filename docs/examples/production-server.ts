import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createHub, isSsekitError, statusOf } from '@ssekit/core';
import { createSseHandler, guardEventStreams, requestUrl } from '@ssekit/node';
import { createRedisBackend } from '@ssekit/redis';

/** File descriptors kept for everything but streams: other requests, Redis, logs. */
const RESERVED_FILES = 256;

/** The process's open-file limit (`ulimit -n`), read on Linux; 10,000 where it cannot be. */
function openFileLimit(): number {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (match !== null) return Number(match[1]);
  } catch {
    // Not Linux: set MAX_CONNECTIONS.
  }
  return 10_000;
}

/** A positive integer from the environment, or `fallback`; anything else stops the start. */
function envInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not ${raw}`);
  return value;
}

let lastOutageLog = -Infinity;

/**
 * Logs a request answered with a 5xx. A backend outage fails every request while it lasts, so
 * it is logged once a minute at most; a 4xx is the client's own and not logged at all.
 */
function logFailure(err: unknown, where: string): void {
  if (statusOf(err) < 500) return;
  if (isSsekitError(err, 'unavailable')) {
    if (Date.now() - lastOutageLog < 60_000) return;
    lastOutageLog = Date.now();
  }
  // `where` holds a client's URL: a field of the record, never spliced into the text.
  console.error('request failed', { where }, err);
}

const redis = createRedisBackend({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
const hub = createHub({
  store: redis.store,
  bus: redis.bus,
  // Streams never take the last file descriptors: at the cap, new streams get the retry answer
  // while other requests, health checks and Redis still get theirs.
  maxConnections: envInteger('MAX_CONNECTIONS', openFileLimit() - RESERVED_FILES),
  // Per client address: a whole office or mobile carrier may share one.
  maxConnectionsPerClient: envInteger('MAX_CONNECTIONS_PER_CLIENT', 100),
  // What a client that stopped reading may cost before it is evicted, beyond its socket.
  maxBufferedBytes: 256 * 1024,
  // Streams rotate over instances, and through authorize, twice an hour.
  maxLifetimeMs: 30 * 60_000,
});

const events = createSseHandler({
  hub,
  onError: (err, req) => {
    logFailure(err, `${req.method ?? ''} ${req.url ?? ''}`);
  },
});

const server = guardEventStreams(
  http.createServer(
    // A request head within 10 s, a whole request within 30 s, both checked every second.
    { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1000 },
    (req, res) => {
      if (requestUrl(req).pathname === '/events') events(req, res);
      else res.writeHead(404).end();
    },
  ),
);
server.listen(envInteger('PORT', 3000));
