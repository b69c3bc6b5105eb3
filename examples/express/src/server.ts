import http from 'node:http';
import type { SseStream } from '@ssekit/core';
import {
  MAX_PUBLISH_BYTES,
  announce,
  createDemoHub,
  exitOnSignals,
  logFailure,
  hardenServer,
  closeDemoHub,
  heapReport,
  metricsAnswer,
  parsePublishBody,
  publishBody,
  readDemoConfig,
  runTicks,
  statsBody,
} from '@ssekit/demo-common';
import { sse } from '@ssekit/express';
import { lastEventIdOf, sendError } from '@ssekit/node';
import compression from 'compression';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';

const config = readDemoConfig();
const hub = createDemoHub(config);
const tickStreams = new Set<SseStream>();

const app = express();
app.disable('x-powered-by');
// The event stream is routed before compression: it would pass through uncompressed anyway
// (it is sent `Cache-Control: no-transform`), but compression replaces `res.write` on every
// response it sees, and a replaced write keeps @ssekit/node off its fast path (one pre-framed
// chunk per broadcast, written straight to the socket). The adapter's own tests cover the stream
// mounted after app-wide compression too.
app.get('/events', sse({ hub }));

// Compression for everything else, as most Express apps have it.
app.use(compression());

app.post(
  '/publish',
  // Any content type, up to the contract's limit; a larger body is a 413 from body-parser.
  express.raw({ type: () => true, limit: MAX_PUBLISH_BYTES }),
  async (req: Request, res: Response) => {
    const raw: unknown = req.body;
    const body = parsePublishBody(Buffer.isBuffer(raw) ? raw : Buffer.alloc(0));
    const result = await publishBody(hub, body);
    res.status(202).json(result);
  },
);

app.get('/stats', (_req, res) => {
  res.json(statsBody(hub, { tickStreams: tickStreams.size }));
});

app.get(
  '/ticks',
  // What can refuse a hand-driven stream runs before it: a bad Last-Event-ID is a 400 here.
  (req, res, next) => {
    res.locals.lastEventId = lastEventIdOf(req);
    next();
  },
  sse(
    (stream, _req, res) => {
      tickStreams.add(stream);
      stream.signal.addEventListener('abort', () => tickStreams.delete(stream), { once: true });
      runTicks(stream, config.tickMs, res.locals.lastEventId as string | undefined);
    },
    { retry: config.retryMs, heartbeatMs: config.heartbeatMs },
  ),
);

app.get('/metrics', async (_req, res) => {
  const answer = await metricsAnswer();
  res.status(answer.status).type(answer.type).send(answer.body);
});

if (config.debugRoutes) {
  // Demo-only (SSEKIT_DEBUG_ROUTES=1), for the soak test: gc() and memory, resource counts.
  app.get('/debug/heap', async (_req, res) => {
    res.json(await heapReport(server));
  });
}

app.use((req, res) => {
  res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
});

// Every refusal, from ssekit or body-parser, as `{ "error": message }` with its status.
app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  logFailure(err, `${req.method} ${req.originalUrl}`);
  sendError(res, err);
});

const server = hardenServer(http.createServer(app), config);

server.listen(config.port, config.host, () => {
  announce(server, config.host);
});

exitOnSignals(server, async () => {
  await Promise.all([closeDemoHub(hub, config), ...[...tickStreams].map((stream) => stream.close('shutdown'))]);
});
