import { createHub } from '@ssekit/core';
import type { SseStream, Subscription } from '@ssekit/core';
import Fastify from 'fastify';
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import ssekitDefault, { ssePreflight, ssekit } from '../src/index.js';
import type { SseReplyMethod } from '../src/index.js';
import { streamOpen } from './helpers.js';

interface Events {
  tick: { n: number };
  note: string;
}

describe('the plugin options', () => {
  it('need a hub, typed or not, and check the defaults', async () => {
    const app = Fastify();
    await app.register(ssekit, { hub: createHub() });
    await app.register(ssekitDefault, { hub: createHub<Events>(), retry: 1000, headers: { 'x-a': 'b' } });
    // @ts-expect-error the hub is required
    await app.register(ssekit, {});
    // @ts-expect-error a hub is not any object
    await app.register(ssekit, { hub: {} });
    // @ts-expect-error retry is a number of ms
    await app.register(ssekit, { hub: createHub(), retry: '1000' });
  });

  it("take the hardening options, with Fastify's request in clientKey and onError", async () => {
    const app = Fastify();
    await app.register(ssekit, {
      hub: createHub(),
      cors: { origins: ['https://app.example.com'], credentials: true },
      clientKey: (request) => {
        expectTypeOf(request).toEqualTypeOf<FastifyRequest>();
        return request.ip;
      },
      limitResponse: 429,
      limitRetryMs: 10_000,
      onError: (err, request) => {
        expectTypeOf(err).toEqualTypeOf<unknown>();
        request.log.error({ err }, 'stream failed');
      },
    });
    // @ts-expect-error the limit answer is 'retry' or 429
    await app.register(ssekit, { hub: createHub(), limitResponse: 503 });
    // @ts-expect-error origins is a list or a function
    await app.register(ssekit, { hub: createHub(), cors: { origins: 'https://app.example.com' } });
  });

  it('give ssePreflight a route handler', () => {
    const app = Fastify();
    expectTypeOf(ssePreflight({ origins: ['https://app.example.com'] })).toEqualTypeOf<RouteHandlerMethod>();
    app.options('/feed', ssePreflight({ origins: (origin) => origin.endsWith('.example.com') }));
    // @ts-expect-error it needs the CORS options
    ssePreflight();
  });
});

describe('the { sse } route option', () => {
  it('accepts true, false or options whose hooks see the route’s typed request', () => {
    const app = Fastify();
    app.get('/a', { sse: true }, streamOpen);
    app.get('/b', { sse: false }, streamOpen);
    app.get<{ Params: { room: string } }>(
      '/rooms/:room',
      {
        sse: {
          topics: (request) => {
            expectTypeOf(request.params.room).toEqualTypeOf<string>();
            return [request.params.room];
          },
          authorize: async (_request, topics) => Promise.resolve(topics.slice(0, 1)),
          retry: 500,
          clientKey: (request) => request.params.room,
          limitResponse: 'retry',
        },
      },
      streamOpen,
    );
    app.route({ method: 'GET', url: '/c', sse: { topics: ['news'] }, handler: streamOpen });
    // @ts-expect-error sse is a boolean or an options object
    app.get('/d', { sse: 'yes' }, streamOpen);
    // @ts-expect-error topics are a list or a function, not one string
    app.get('/e', { sse: { topics: 'news' } }, streamOpen);
    // @ts-expect-error authorize returns the topics it allows
    app.get('/f', { sse: { authorize: () => true } }, streamOpen);
    // @ts-expect-error clientKey returns a string or undefined
    app.get('/h', { sse: { clientKey: () => 7 } }, streamOpen);
    app.get<{ Params: { room: string } }>(
      '/g/:room',
      // @ts-expect-error params are typed by the route: there is no `id`
      { sse: { topics: (request) => [String(request.params.id)] } },
      streamOpen,
    );
  });
});

describe('reply.sse', () => {
  it('is typed on every reply', () => {
    expectTypeOf<FastifyReply['sse']>().toEqualTypeOf<SseReplyMethod>();
  });

  it('subscribes with options and resolves to a typed subscription, or undefined when answered without one', async () => {
    const reply = {} as FastifyReply;
    const stream = await reply.sse<Events>({ topics: ['clock'], retry: 1000 });
    expectTypeOf(stream).toEqualTypeOf<Subscription<Events> | undefined>();
    if (stream === undefined) return;
    stream.send({ event: 'tick', data: { n: 1 } });
    // @ts-expect-error tick carries { n: number }
    stream.send({ event: 'tick', data: 'one' });
    // @ts-expect-error no such event in the map
    stream.send({ event: 'tock', data: { n: 1 } });
    // @ts-expect-error options are an object, not a topic name
    await reply.sse('clock');
  });

  it('drives a typed hand-made stream', async () => {
    const reply = {} as FastifyReply;
    const stream = await reply.sse<Events>(
      (open, lastEventId) => {
        expectTypeOf(lastEventId).toEqualTypeOf<string | undefined>();
        open.send({ event: 'note', data: 'hello' });
        // @ts-expect-error note carries a string
        open.send({ event: 'note', data: 42 });
      },
      { retry: 1000, heartbeatMs: 0 },
    );
    expectTypeOf(stream).toEqualTypeOf<SseStream<Events>>();
    // @ts-expect-error a hand-driven stream has no topics option
    await reply.sse(() => undefined, { topics: ['news'] });
  });
});
