import Router from '@koa/router';
import type { SseStream } from '@ssekit/core';
import { sse } from '@ssekit/koa';
import Koa from 'koa';
import type { Context } from 'koa';
import { describe, expectTypeOf, it } from 'vitest';
import { hub } from './app-hub.js';
import type { AppEvents } from './app-hub.js';

describe('ctx.sse with a registered hub', () => {
  it('carries the hub’s event map, on app and router contexts', () => {
    expectTypeOf<Context['sse']>().toEqualTypeOf<SseStream<AppEvents> | undefined>();
    const router = new Router();
    router.get('/events', sse({ hub }), (ctx) => {
      expectTypeOf(ctx.sse).toEqualTypeOf<SseStream<AppEvents> | undefined>();
      ctx.sse?.send({ event: 'news', data: { title: 'Welcome' } });
    });
    new Koa().use(async (ctx, next) => {
      await next();
      ctx.sse?.send({ event: 'tick', data: { n: 1 } });
    });
  });

  it('refuses an event name the hub does not have', () => {
    new Koa().use((ctx) => {
      // @ts-expect-error 'weather' is not an event of the registered hub
      ctx.sse?.send({ event: 'weather', data: { title: 'Rain' } });
    });
  });

  it('refuses a payload of the wrong type', () => {
    new Router().get('/events', (ctx) => {
      // @ts-expect-error news carries { title: string }
      ctx.sse?.send({ event: 'news', data: { title: 42 } });
    });
  });
});
