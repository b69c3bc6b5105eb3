import Router from '@koa/router';
import type { RouterContext } from '@koa/router';
import { createHub } from '@ssekit/core';
import type { SseStream } from '@ssekit/core';
import Koa from 'koa';
import type { Context, DefaultState, Next, ParameterizedContext } from 'koa';
import { describe, expectTypeOf, it } from 'vitest';
import { sse, ssePreflight } from '../src/index.js';
import type { KoaSseMiddleware } from '../src/index.js';

interface AppState {
  user: string;
}
interface AppContext {
  requestId: string;
}

describe('ctx.sse', () => {
  it('is an optional SseStream on the contexts of app.use', () => {
    const app = new Koa();
    app.use((ctx) => {
      expectTypeOf(ctx.sse).toEqualTypeOf<SseStream | undefined>();
    });
    app.use((ctx) => {
      // @ts-expect-error ctx.sse is undefined on requests that are not streams
      ctx.sse.send({ data: 'x' });
    });
    app.use((ctx) => {
      // @ts-expect-error only a stream goes there
      ctx.sse = 'a stream';
    });
  });

  it('is there on apps with their own state and context types', () => {
    const app = new Koa<AppState, AppContext>();
    app.use((ctx) => {
      expectTypeOf(ctx.sse).toEqualTypeOf<SseStream | undefined>();
      expectTypeOf(ctx.state.user).toEqualTypeOf<string>();
    });
    expectTypeOf<ParameterizedContext<AppState, AppContext>['sse']>().toEqualTypeOf<SseStream | undefined>();
  });

  it('is there on @koa/router contexts, with the default and with a custom context', () => {
    const router = new Router();
    router.get('/events', (ctx) => {
      expectTypeOf(ctx.sse).toEqualTypeOf<SseStream | undefined>();
      expectTypeOf(ctx.params).toEqualTypeOf<Record<string, string>>();
    });
    const custom = new Router<AppState, AppContext>();
    custom.get('/events', (ctx) => {
      expectTypeOf(ctx.sse).toEqualTypeOf<SseStream | undefined>();
      expectTypeOf(ctx.requestId).toEqualTypeOf<string>();
      // @ts-expect-error a custom context has no index signature: unknown names do not compile
      expectTypeOf(ctx.notThere).toBeUnknown();
    });
    expectTypeOf<RouterContext<AppState, AppContext>['sse']>().toEqualTypeOf<SseStream | undefined>();
  });

  it('keeps send() checked on the stream', () => {
    const app = new Koa();
    app.use((ctx) => {
      ctx.sse?.send({ event: 'note', data: { any: 'data' }, id: '7' });
      // @ts-expect-error retry is a number of milliseconds
      ctx.sse?.send({ retry: '1000' });
    });
  });
});

describe('sse({ hub })', () => {
  const hub = createHub();

  it('returns middleware for app.use and for @koa/router routes', () => {
    const app = new Koa();
    app.use(sse({ hub, path: '/events' }));
    const router = new Router();
    router.get('/events', sse({ hub }));
    const custom = new Router<AppState, AppContext>();
    custom.get('/events', sse({ hub }));
    expectTypeOf(sse({ hub })).toEqualTypeOf<KoaSseMiddleware>();
    expectTypeOf(sse({ hub })).toExtend<(ctx: Context, next: Next) => Promise<void>>();
  });

  it("gives the hooks Koa's Context, or the context their first parameter names", () => {
    sse({
      hub,
      topics: (ctx) => {
        expectTypeOf(ctx).toEqualTypeOf<Context>();
        return ['news'];
      },
    });
    const router = new Router<AppState, AppContext>();
    router.get(
      '/rooms/:room',
      sse({
        hub,
        topics: (ctx: RouterContext<AppState, AppContext>) => {
          expectTypeOf(ctx.params).toEqualTypeOf<Record<string, string>>();
          expectTypeOf(ctx.requestId).toEqualTypeOf<string>();
          return [ctx.params.room ?? 'lobby'];
        },
        authorize: (ctx, topics) => {
          expectTypeOf(ctx.state.user).toEqualTypeOf<string>();
          expectTypeOf(topics).toEqualTypeOf<readonly string[]>();
          return topics;
        },
      }),
    );
  });

  it('takes the hardening options, with the context in clientKey and onError', () => {
    const cors = { origins: ['https://app.example.com'], credentials: true };
    const router = new Router<AppState, AppContext>();
    router.get(
      '/events',
      sse({
        hub,
        cors,
        clientKey: (ctx: RouterContext<AppState, AppContext>) => {
          expectTypeOf(ctx.state.user).toEqualTypeOf<string>();
          return ctx.state.user;
        },
        limitResponse: 429,
        limitRetryMs: 10_000,
        onError: (err, ctx) => {
          expectTypeOf(err).toEqualTypeOf<unknown>();
          expectTypeOf(ctx.requestId).toEqualTypeOf<string>();
        },
      }),
    );
    router.options('/events', ssePreflight(cors));
    new Koa().use(sse({ hub, path: '/events', cors, limitResponse: 'retry', clientKey: (ctx) => ctx.ip }));
    expectTypeOf(ssePreflight(cors)).toEqualTypeOf<KoaSseMiddleware>();
    // @ts-expect-error the limit answer is 'retry' or 429
    sse({ hub, limitResponse: 503 });
    // @ts-expect-error clientKey returns a string or undefined
    sse({ hub, clientKey: () => 1 });
    // @ts-expect-error origins is a list or a function
    ssePreflight({ origins: 'https://app.example.com' });
  });

  it('takes topics as a list', () => {
    new Koa().use(sse({ hub, path: '/events', topics: ['news', 'sports'] }));
    // @ts-expect-error topics are a list or a function, not one string
    sse({ hub, topics: 'news' });
  });

  it('refuses what is not a hub option', () => {
    // @ts-expect-error the hub is required
    sse({ path: '/events' });
    // @ts-expect-error topics resolve to a list
    sse({ hub, topics: () => 'news' });
    // @ts-expect-error authorize returns the topics it allows
    sse({ hub, authorize: () => true });
    // @ts-expect-error path is a string
    sse({ hub, path: /events/ });
  });
});

describe('sse(handler)', () => {
  it('types the stream with the event map and the context of the route', () => {
    const router = new Router<DefaultState, AppContext>();
    router.get(
      '/ticks/:from',
      sse<{ tick: { n: number } }, RouterContext<DefaultState, AppContext>>((stream, ctx) => {
        expectTypeOf(ctx.params).toEqualTypeOf<Record<string, string>>();
        stream.send({ event: 'tick', data: { n: Number(ctx.params.from) } });
        // @ts-expect-error not an event of the map
        stream.send({ event: 'tock', data: { n: 1 } });
        // @ts-expect-error data of the wrong type
        stream.send({ event: 'tick', data: { n: 'one' } });
      }),
    );
  });

  it("gives the handler Koa's Context, or the context its parameter names", () => {
    const router = new Router();
    router.get(
      '/hello/:name',
      sse((stream, ctx) => {
        expectTypeOf(stream).toEqualTypeOf<SseStream>();
        expectTypeOf(ctx).toEqualTypeOf<Context>();
      }),
    );
    router.get(
      '/hello/:name',
      sse((stream, ctx: RouterContext) => {
        expectTypeOf(ctx.params).toEqualTypeOf<Record<string, string>>();
        stream.send({ data: ctx.params.name });
      }),
    );
  });

  it('takes the stream options of openStream, and path', () => {
    sse(() => undefined, { path: '/ticks', retry: 1000, heartbeatMs: 0, maxBufferedBytes: 65_536 });
    // @ts-expect-error retry is a number
    sse(() => undefined, { retry: 'soon' });
    // @ts-expect-error not an option of a hand-driven stream
    sse(() => undefined, { hub: createHub() });
  });
});
