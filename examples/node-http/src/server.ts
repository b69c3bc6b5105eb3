import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SseStream } from '@ssekit/core';
import {
  announce,
  createDemoHub,
  exitOnSignals,
  logFailure,
  hardenServer,
  closeDemoHub,
  heapReport,
  metricsAnswer,
  openEventStreams,
  parsePublishBody,
  publishBody,
  readDemoConfig,
  runTicks,
  servePage,
  statsBody,
  readPublishBody,
} from '@ssekit/demo-common';
import { createSseHandler, lastEventIdOf, openStream, requestUrl, sendError } from '@ssekit/node';

const config = readDemoConfig();
const hub = createDemoHub(config);
// Stream refusals answered with a 5xx are logged through logFailure (a Redis outage once a minute).
const events = createSseHandler({
  hub,
  onError: (err, req) => logFailure(err, `${req.method ?? ''} ${req.url ?? ''}`),
});
const tickStreams = new Set<SseStream>();

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = requestUrl(req);
  const key = `${req.method ?? ''} ${url.pathname}`;
  if (config.debugRoutes && key === 'GET /debug/heap') {
    // Demo-only (SSEKIT_DEBUG_ROUTES=1), for the soak test: gc() and memory, resource counts.
    json(res, 200, await heapReport(server));
    return;
  }
  switch (key) {
    case 'GET /events': {
      // A refusal is answered here; the handler's onError has already logged a 5xx.
      await events.start(req, res).catch((err: unknown) => {
        sendError(res, err);
      });
      return;
    }
    case 'POST /publish': {
      const body = parsePublishBody(await readPublishBody(req));
      const result = await publishBody(hub, body);
      json(res, 202, result);
      return;
    }
    case 'GET /metrics': {
      const answer = await metricsAnswer();
      res.writeHead(answer.status, { 'content-type': answer.type, 'content-length': Buffer.byteLength(answer.body) });
      res.end(answer.body);
      return;
    }
    case 'GET /stats':
      json(res, 200, statsBody(hub, { tickStreams: tickStreams.size }));
      return;
    case 'GET /ticks': {
      const lastEventId = lastEventIdOf(req);
      const stream = openStream(req, res, { retry: config.retryMs, heartbeatMs: config.heartbeatMs });
      tickStreams.add(stream);
      stream.signal.addEventListener('abort', () => tickStreams.delete(stream), { once: true });
      runTicks(stream, config.tickMs, lastEventId);
      return;
    }
    case 'POST /demo/disconnect': {
      // Demo only, for the live page: the server ends every stream, as a restart or a proxy
      // timeout would, and each browser reconnects on its own with Last-Event-ID.
      const streams = [...openEventStreams(), ...tickStreams];
      await Promise.all(streams.map((stream) => stream.close('server')));
      json(res, 200, { closed: streams.length });
      return;
    }
    default: {
      const page = req.method === 'GET' ? servePage(url.pathname) : undefined;
      if (page === undefined) {
        json(res, 404, { error: `no route for ${key}` });
        return;
      }
      res.writeHead(page.status, { 'content-type': page.type, 'content-length': page.body.byteLength });
      res.end(page.body);
    }
  }
}

const server = hardenServer(
  http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      // A refusal as its status and `{ error }`; a 5xx is logged too.
      logFailure(err, `${req.method ?? ''} ${req.url ?? ''}`);
      sendError(res, err);
    });
  }),
  config,
);

server.listen(config.port, config.host, () => {
  announce(server, config.host);
});

exitOnSignals(server, async () => {
  await Promise.all([closeDemoHub(hub, config), ...[...tickStreams].map((stream) => stream.close('shutdown'))]);
});
