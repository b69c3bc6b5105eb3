import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { SsekitError } from '@ssekit/core';
import type { SseStream } from '@ssekit/core';
import {
  MAX_PUBLISH_BYTES,
  announce,
  createDemoHub,
  exitOnSignals,
  heapReport,
  metricsAnswer,
  parsePublishBody,
  readDemoConfig,
  runTicks,
  statsBody,
} from '@ssekit/demo-common';
import { errorResponse, lastEventIdFromRequest, sseResponse } from '@ssekit/web';

const config = readDemoConfig();
const hub = createDemoHub(config);
const tickStreams = new Set<SseStream>();

interface Env {
  Bindings: HttpBindings;
}

const tooLarge = (): SsekitError =>
  new SsekitError('payload_too_large', `ssekit: the body is over ${MAX_PUBLISH_BYTES} bytes.`);

// Read as bytes with the limit enforced here: `c.req.json()` would buffer any size first.
async function readBody(request: Request): Promise<Uint8Array> {
  if (Number(request.headers.get('content-length') ?? 0) > MAX_PUBLISH_BYTES) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body !== null) {
    // Reading on past the limit (and dropping it) lets the 413 reach the client: cancelling the
    // body would destroy the socket under a client still sending.
    for await (const chunk of request.body) {
      size += chunk.byteLength;
      if (size <= MAX_PUBLISH_BYTES) chunks.push(chunk);
    }
  }
  if (size > MAX_PUBLISH_BYTES) throw tooLarge();
  return Buffer.concat(chunks, size);
}

// The contract asks for `Connection: keep-alive` on HTTP/1.1. @ssekit/web sets no hop-by-hop
// header (HTTP/2 and other runtimes forbid them), and node:http adds it only for clients that
// asked for keep-alive, so the Node host adds it here.
function http1Headers(c: Context<Env>): Record<string, string> | undefined {
  return c.env.incoming.httpVersion === '1.1' ? { connection: 'keep-alive' } : undefined;
}

const app = new Hono<Env>();

app.get('/events', (c) => sseResponse(c.req.raw, { hub, headers: http1Headers(c) }));

app.post('/publish', async (c) => {
  const body = parsePublishBody(await readBody(c.req.raw));
  const result = await hub.publish(body.topic, { event: body.event, data: body.data, id: body.id });
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
  const lastEventId = lastEventIdFromRequest(c.req.raw);
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
app.onError((err) => errorResponse(err));

const server = createAdaptorServer({ fetch: app.fetch }) as Server;

server.listen(config.port, config.host, () => {
  announce(server, config.host);
});

exitOnSignals(server, async () => {
  await Promise.all([hub.close(), ...[...tickStreams].map((stream) => stream.close('shutdown'))]);
});
