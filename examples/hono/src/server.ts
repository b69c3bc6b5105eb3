import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { isSsekitError } from '@ssekit/core';
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
  parsePublishBody,
  publishBody,
  readDemoConfig,
  readRequestBody,
  runTicks,
  statsBody,
} from '@ssekit/demo-common';
import { errorResponse, lastEventIdOf, sseHandler, sseResponse } from '@ssekit/web';

const config = readDemoConfig();
const hub = createDemoHub(config);
const tickStreams = new Set<SseStream>();

interface Env {
  Bindings: HttpBindings;
}

// The contract asks for `Connection: keep-alive` on HTTP/1.1. @ssekit/web sets no hop-by-hop
// header (HTTP/2 and other runtimes forbid them), and node:http adds it only for clients that
// asked for keep-alive, so the Node host adds it here.
function http1Headers(c: Context<Env>): Record<string, string> | undefined {
  return c.env.incoming.httpVersion === '1.1' ? { connection: 'keep-alive' } : undefined;
}

const events = sseHandler({ hub, onError: (err) => logFailure(err, 'GET /events') });

const app = new Hono<Env>();

// `c.env` hands over Node's request and response: the stream is served on them (through
// @ssekit/node), Node's fastest path.
app.get('/events', async (c) => {
  const response = await events(c.req.raw, c.env);
  for (const [name, value] of Object.entries(http1Headers(c) ?? {})) response.headers.set(name, value);
  return response;
});

app.post('/publish', async (c) => {
  const body = parsePublishBody(await readRequestBody(c.req.raw));
  const result = await publishBody(hub, body);
  return c.json(result, 202);
});

app.get('/stats', (c) => c.json(statsBody(hub, { tickStreams: tickStreams.size })));

app.get('/metrics', async (c) => {
  const answer = await metricsAnswer();
  return c.body(answer.body, answer.status, { 'content-type': answer.type });
});

if (config.debugRoutes) {
  // Demo-only (SSEKIT_DEBUG_ROUTES=1), for the soak test: gc() and memory, resource counts.
  app.get('/debug/heap', async (c) => c.json(await heapReport(server)));
}

app.get('/ticks', (c) => {
  const lastEventId = lastEventIdOf(c.req.raw);
  return sseResponse(
    c.req.raw,
    (stream) => {
      tickStreams.add(stream);
      stream.signal.addEventListener('abort', () => tickStreams.delete(stream), { once: true });
      runTicks(stream, config.tickMs, lastEventId);
    },
    { retry: config.retryMs, heartbeatMs: config.heartbeatMs, headers: http1Headers(c) },
  );
});

app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
// ssekit's refusals (a bad publish body) as `{ "error" }` with their status; anything else is the
// app's own failure: logged, and a plain 500.
app.onError((err, c) => {
  logFailure(err, `${c.req.method} ${c.req.path}`);
  if (isSsekitError(err)) return errorResponse(err);
  return c.json({ error: 'ssekit: internal error' }, 500);
});

const server = hardenServer(createAdaptorServer({ fetch: app.fetch }) as Server, config);

server.listen(config.port, config.host, () => {
  announce(server, config.host);
});

exitOnSignals(server, async () => {
  await Promise.all([closeDemoHub(hub, config), ...[...tickStreams].map((stream) => stream.close('shutdown'))]);
});
