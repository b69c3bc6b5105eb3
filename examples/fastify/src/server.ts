import compress from '@fastify/compress';
import { SsekitError, refusalAnswer, statusOf } from '@ssekit/core';
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
  openEventStreams,
  parsePublishBody,
  publishBody,
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

/** The POST routes, in their own scope: every body arrives as bytes and demo-common checks it. */
function postRoutes(scope: FastifyInstance, _options: unknown, done: () => void): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, next) => {
    next(null, body);
  });
  scope.post('/publish', async (request, reply) => {
    const body = parsePublishBody((request.body as Buffer | undefined) ?? '');
    const result = await publishBody(hub, body);
    return reply.code(202).send(result);
  });
  scope.post('/demo/disconnect', async () => {
    // Demo only, for the live page: the server ends every stream, as a restart or a proxy
    // timeout would, and each browser reconnects on its own with Last-Event-ID.
    const streams = [...openEventStreams(), ...tickStreams];
    await Promise.all(streams.map((stream) => stream.close('server')));
    return { closed: streams.length };
  });
  done();
}

async function main(): Promise<void> {
  // Fastify answers a body over the limit with 413 itself, before reading it all.
  const app = Fastify({ bodyLimit: MAX_PUBLISH_BYTES });
  app.setErrorHandler((err, request, reply) => {
    logFailure(err, `${request.method} ${request.url}`);
    // Fastify's own 413 worded as the other demos word it; the rest as every adapter answers.
    const tooLarge = statusOf(err) === 413;
    const answer = refusalAnswer(
      tooLarge ? new SsekitError('payload_too_large', `ssekit: the body is over ${MAX_PUBLISH_BYTES} bytes.`) : err,
    );
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
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

  // On an `{ sse }` route the handler runs once the stream is open (`reply.sse()` returns it).
  app.get('/events', { sse: true }, (request) => {
    request.log.debug('event stream open');
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

  hardenServer(app.server, config);
  await app.listen({ port: config.port, host: config.host });
  announce(app.server, config.host);
  exitOnSignals(app.server, async () => {
    await Promise.all([closeDemoHub(hub, config), ...[...tickStreams].map((stream) => stream.close('shutdown'))]);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
