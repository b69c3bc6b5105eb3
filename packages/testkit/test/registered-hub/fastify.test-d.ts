import { createHub } from '@ssekit/core';
import type { EventsOf, SseStream, Subscription } from '@ssekit/core';
import { ssekit } from '@ssekit/fastify';
import Fastify from 'fastify';
import type { FastifyReply } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import { hub } from './app-hub.js';
import type { AppEvents } from './app-hub.js';

describe('reply.sse() with a registered hub', () => {
  it('resolves to a subscription of the hub’s event map, on an { sse } route of the plugin', async () => {
    const app = Fastify();
    await app.register(ssekit, { hub });
    app.get('/events', { sse: true }, async (_request, reply) => {
      const stream = await reply.sse();
      expectTypeOf(stream).toEqualTypeOf<Subscription<AppEvents> | undefined>();
      stream?.send({ event: 'news', data: { title: 'Welcome' } });
    });
  });

  it('types a hand-driven stream with the same map', async () => {
    const reply = {} as FastifyReply;
    const stream = await reply.sse((open) => {
      open.send({ event: 'tick', data: { n: 1 } });
    });
    expectTypeOf(stream).toEqualTypeOf<SseStream<AppEvents>>();
  });

  it('refuses an event name the hub does not have', async () => {
    const stream = await ({} as FastifyReply).sse();
    // @ts-expect-error 'weather' is not an event of the registered hub
    stream?.send({ event: 'weather', data: { title: 'Rain' } });
    const open = await ({} as FastifyReply).sse(() => undefined);
    // @ts-expect-error 'weather' is not an event of the registered hub
    open.send({ event: 'weather', data: { title: 'Rain' } });
  });

  it('refuses a payload of the wrong type', async () => {
    const stream = await ({} as FastifyReply).sse();
    // @ts-expect-error news carries { title: string }
    stream?.send({ event: 'news', data: { title: 42 } });
  });

  it('takes another hub’s map when asked: reply.sse<EventsOf<typeof other>>()', async () => {
    const other = createHub<{ chat: { text: string } }>();
    expectTypeOf(other.publish('room', { event: 'chat', data: { text: 'hi' } })).resolves.toHaveProperty('id');
    const stream = await ({} as FastifyReply).sse<EventsOf<typeof other>>();
    stream?.send({ event: 'chat', data: { text: 'hi' } });
    // @ts-expect-error news belongs to the registered hub, not to this one
    stream?.send({ event: 'news', data: { title: 'x' } });
  });
});
