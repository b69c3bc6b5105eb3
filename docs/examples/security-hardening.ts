import http from 'node:http';
import { SsekitError, createHub } from '@ssekit/core';
import { createSseHandler } from '@ssekit/node';

// Your session lookup and your rule of who may read what.
declare function sessionUser(cookieHeader: string | undefined): Promise<string | undefined>;
declare function topicsOf(user: string): Promise<readonly string[]>;

const hub = createHub({
  maxConnections: 20_000, // under the process's file limit, with room for everything else
  maxConnectionsPerClient: 10, // per clientKey below
  maxBufferedBytes: 256 * 1024, // what one slow client may cost, beyond its socket
  writeTimeoutMs: 30_000, // a socket that has not drained for this long is a dead peer
  maxLifetimeMs: 15 * 60_000, // every stream goes through authorize again at least this often
  replaySize: 200, // private history kept per topic, for resumption
});

const events = createSseHandler(hub, {
  cors: { origins: ['https://app.example.com'], credentials: true },
  // Runs before the first byte, and so before any history is replayed.
  authorize: async (req) => {
    const user = await sessionUser(req.headers.cookie);
    if (user === undefined) throw new SsekitError('forbidden', 'ssekit: sign in to receive events.');
    // Everything this user may read: the stream gets the requested topics among them.
    return topicsOf(user);
  },
  // Behind a proxy you trust, the client's address is the one it forwards.
  clientKey: (req) => {
    const forwarded = req.headers['x-forwarded-for'];
    return typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : req.socket.remoteAddress;
  },
  limitResponse: 'retry', // over a limit: a 200 that tells EventSource to come back later
  limitRetryMs: 30_000,
  // 5xx failures: the client sees `ssekit: internal error`, your logs see why.
  onError: (err, req) => {
    console.error(JSON.stringify({ msg: 'stream failed', url: req.url, error: String(err) }));
  },
});

const server = http.createServer(events);
// Slow or half-sent requests hold a socket until these deadlines.
server.headersTimeout = 10_000;
server.requestTimeout = 30_000;
server.listen(3000);
