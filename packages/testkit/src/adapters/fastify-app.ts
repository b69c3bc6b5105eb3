import compress from '@fastify/compress';
import { refusalAnswer } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import { ssekit } from '@ssekit/fastify';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { ALREADY_STARTED, PAGE } from './listen.js';
import type { MatrixOptions, MatrixServer, ServeSetup } from './types.js';

function streamRoute(app: FastifyInstance, setup: ServeSetup): void {
  app.get(
    '/events',
    {
      sse: true,
      onRequest:
        setup.prelude === 'write'
          ? (_request, reply, done) => {
              reply.raw.writeHead(200, { 'content-type': 'text/plain' });
              reply.raw.write(ALREADY_STARTED);
              done();
            }
          : [],
    },
    () => undefined,
  );
}

/** Serves the matrix's routes on Fastify; see `Adapter.serve`. */
export async function serve(hub: Hub<object>, options: MatrixOptions, setup: ServeSetup): Promise<MatrixServer> {
  const app = Fastify();
  const errors: unknown[] = [];
  app.setErrorHandler((err, _request, reply) => {
    errors.push(err);
    const answer = refusalAnswer(err);
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });
  if (setup.routeBeforePlugin === true) streamRoute(app, setup);
  if (setup.compression === true) {
    await app.register(compress, { global: true });
    app.get('/page', (_request, reply) => reply.type('text/plain').send(PAGE));
  }
  await app.register(ssekit, { hub, ...options, ...setup.own } as never);
  if (setup.routeBeforePlugin !== true) streamRoute(app, setup);
  const { ticks } = setup;
  if (ticks !== undefined) app.get('/ticks', (_request, reply) => reply.sse(ticks.handler, ticks.options));
  const close = async (): Promise<void> => {
    app.server.closeAllConnections();
    await app.close();
  };
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (err) {
    await close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, http: app.server, errors, close };
}

/** `app.register(ssekit, options)` and `ready()`, as a user starts it. */
export async function make(options: Record<string, unknown>): Promise<void> {
  const app = Fastify();
  try {
    await app.register(ssekit, options as never);
    await app.ready();
  } finally {
    await app.close();
  }
}
