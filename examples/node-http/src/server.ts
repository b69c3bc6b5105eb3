import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SseStream, Subscription } from '@ssekit/core';
import {
  announce,
  createDemoHub,
  exitOnSignals,
  heapReport,
  metricsAnswer,
  parsePublishBody,
  readDemoConfig,
  runTicks,
  servePage,
  statsBody,
  readPublishBody,
} from '@ssekit/demo-common';
import { lastEventIdOf, openStream, requestUrl, sendRefusal, startStream } from '@ssekit/node';

const config = readDemoConfig();
const hub = createDemoHub(config);
const tickStreams = new Set<SseStream>();
// Only for the demo route `POST /demo/disconnect`.
const eventStreams = new Set<Subscription>();

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
      const stream = await startStream(hub, req, res);
      eventStreams.add(stream);
      stream.signal.addEventListener('abort', () => eventStreams.delete(stream), { once: true });
      return;
    }
    case 'POST /publish': {
      const body = parsePublishBody(await readPublishBody(req));
      const result = await hub.publish(body.topic, { event: body.event, data: body.data, id: body.id });
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
      const lastEventId = lastEventIdOf(req, url);
      const stream = openStream(req, res, { retry: config.retryMs, heartbeatMs: config.heartbeatMs });
      tickStreams.add(stream);
      stream.signal.addEventListener('abort', () => tickStreams.delete(stream), { once: true });
      runTicks(stream, config.tickMs, lastEventId);
      return;
    }
    case 'POST /demo/disconnect': {
      // Demo only, for the live page: the server ends every stream, as a restart or a proxy
      // timeout would, and each browser reconnects on its own with Last-Event-ID.
      const streams = [...eventStreams, ...tickStreams];
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

const server = http.createServer((req, res) => {
  route(req, res).catch((err: unknown) => {
    // A refusal as its status and `{ error }`; a 5xx is logged too.
    sendRefusal(req, res, err);
  });
});

server.listen(config.port, config.host, () => {
  announce(server, config.host);
});

exitOnSignals(server, async () => {
  await Promise.all([hub.close(), ...[...tickStreams].map((stream) => stream.close('shutdown'))]);
});
