import compress from '@fastify/compress';
import type { SseStream, Subscription } from '@ssekit/core';
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
  servePage,
  statsBody,
} from '@ssekit/demo-common';
import { ssekit } from '@ssekit/fastify';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';

const config = readDemoConfig();
const hub = createDemoHub(config);
const tickStreams = new Set<SseStream>();
// Only for the demo route `POST /demo/disconnect`.
const eventStreams = new Set<Subscription>();

/** Fastify's own errors carry `statusCode`, ssekit's `status`; anything else is a 500. */
function statusOf(err: unknown): number {
  const { statusCode, status } = (err ?? {}) as { statusCode?: unknown; status?: unknown };
  const code = typeof statusCode === 'number' ? statusCode : status;
  return typeof code === 'number' && code >= 400 && code <= 599 ? code : 500;
}

/** The POST routes, in their own scope: every body arrives as bytes and demo-common checks it. */
function postRoutes(scope: FastifyInstance, _options: unknown, done: () => void): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, next) => {
    next(null, body);
  });
  scope.post('/publish', async (request, reply) => {
    const body = parsePublishBody((request.body as Buffer | undefined) ?? '');
    const result = await hub.publish(body.topic, { event: body.event, data: body.data, id: body.id });
    return reply.code(202).send(result);
  });
  scope.post('/demo/disconnect', async () => {
    // Demo only, for the live page: the server ends every stream, as a restart or a proxy
    // timeout would, and each browser reconnects on its own with Last-Event-ID.
    const streams = [...eventStreams, ...tickStreams];
    await Promise.all(streams.map((stream) => stream.close('server')));
    return { closed: streams.length };
  });
  done();
}

async function main(): Promise<void> {
  // Fastify answers a body over the limit with 413 itself, before reading it all.
  const app = Fastify({ bodyLimit: MAX_PUBLISH_BYTES });
  app.setErrorHandler((err, request, reply) => {
    const status = statusOf(err);
    if (status >= 500) request.log.error({ err }, 'request failed');
    // Worded as the other demos word it.
    const message =
      status === 413
        ? `ssekit: the body is over ${MAX_PUBLISH_BYTES} bytes.`
        : status < 500 && err instanceof Error
          ? err.message
          : 'internal error';
    return reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((request, reply) => {
    const { pathname } = new URL(request.url, 'http://localhost');
    const page = request.method === 'GET' ? servePage(pathname) : undefined;
    if (page !== undefined) return reply.code(page.status).type(page.type).send(page.body);
    return reply.code(404).send({ error: `no route for ${request.method} ${pathname}` });
  });
  // Mounted for the whole app, as users do: event streams hijack the reply, so it never sees them.
  await app.register(compress, { global: true });
  await app.register(ssekit, { hub });

  // On an `{ sse }` route the handler runs once the stream is open; `reply.sse()` returns it.
  app.get('/events', { sse: true }, async (_request, reply) => {
    const stream = await reply.sse();
    eventStreams.add(stream);
    stream.signal.addEventListener('abort', () => eventStreams.delete(stream), { once: true });
  });
  await app.register(postRoutes);
  app.get('/stats', () => statsBody(hub, { tickStreams: tickStreams.size }));
  app.get('/metrics', async (_request, reply) => {
    const answer = await metricsAnswer();
    return reply.code(answer.status).type(answer.type).send(answer.body);
  });
  if (config.debugRoutes) {
    // Demo-only (SSEKIT_DEBUG_ROUTES=1), for the soak test: gc() and memory, resource counts.
    app.get('/debug/heap', () => heapReport(app.server));
  }
  app.get('/ticks', (_request, reply) =>
    reply.sse(
      (stream, lastEventId) => {
        tickStreams.add(stream);
        stream.signal.addEventListener('abort', () => tickStreams.delete(stream), { once: true });
        runTicks(stream, config.tickMs, lastEventId);
      },
      { retry: config.retryMs, heartbeatMs: config.heartbeatMs },
    ),
  );

  await app.listen({ port: config.port, host: config.host });
  announce(app.server, config.host);
  exitOnSignals(app.server, async () => {
    await Promise.all([hub.close(), ...[...tickStreams].map((stream) => stream.close('shutdown'))]);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
