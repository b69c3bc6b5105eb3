import http from 'node:http';
import { SsekitError, createHub } from '@ssekit/core';
import { createSseHandler, guardEventStreams } from '@ssekit/node';

// Your session lookup and your rule of who may read what.
declare function sessionUser(cookieHeader: string | undefined): Promise<string | undefined>;
declare function topicsOf(user: string): Promise<readonly string[]>;

const hub = createHub({
  maxConnections: 19_000, // the open-file limit (20,000 here) less a reserve for everything else
  maxConnectionsPerClient: 100, // per clientKey below; a whole office may share one address
  maxBufferedBytes: 256 * 1024, // what one slow client may cost, beyond its socket
  writeTimeoutMs: 30_000, // a socket that has not drained for this long is a dead peer
  maxLifetimeMs: 15 * 60_000, // every stream goes through authorize again at least this often
  replaySize: 200, // private history kept per topic, for resumption
  maxTopicsPerStream: 16, // what one page needs; a request for more is a 400
  maxReplayEvents: 2_000, // a resume past this gets ssekit-reset, then live events
});

const events = createSseHandler({
  hub,
  cors: { origins: ['https://app.example.com'], credentials: true },
  // Runs before the first byte, and so before any history is replayed.
  authorize: async (req) => {
    const user = await sessionUser(req.headers.cookie);
    if (user === undefined) throw new SsekitError('unauthorized', 'ssekit: sign in to receive events.');
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
  // 5xx failures: the client sees `ssekit: internal error` (or, for a closed hub or a backend
  // that is down, ssekit's own message, which holds no detail); your logs see why.
  onError: (err, req) => {
    console.error(JSON.stringify({ msg: 'stream failed', url: req.url, error: String(err) }));
  },
});

// A request head must arrive within 10 s and a whole request within 30 s, checked every second
// (Node's defaults: 60 s and 300 s, checked every 30 s). They bound receiving a request, never a
// stream. The guard closes a connection on which a request is pipelined behind a stream.
const server = guardEventStreams(
  http.createServer({ headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1000 }, events),
);
server.listen(3000);
