import { createHub } from '@ssekit/core';
import type { Hub, SseStream, Subscription } from '@ssekit/core';
import express from 'express';
import type { Request, RequestHandler, Response } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import { sse, ssePreflight } from '../src/index.js';
import type { ExpressSseOptions, ExpressStreamOptions, SseStreamHandler } from '../src/index.js';

const app = express();
const router = express.Router();
const hub = createHub();
const typedHub = createHub<{ news: { title: string } }>();

describe('sse({ hub })', () => {
  it('is an Express request handler for app.use, app.get and router.get', () => {
    expectTypeOf(sse({ hub })).toEqualTypeOf<RequestHandler>();
    app.use('/events', sse({ hub }));
    app.get('/events', sse({ hub: typedHub }));
    router.get('/rooms/:room/events', sse({ hub, topics: (req) => [String(req.params.room)] }));
  });

  it('gives its hooks the Express request', () => {
    sse({
      hub,
      topics: (req) => {
        expectTypeOf(req).toEqualTypeOf<Request>();
        return [typeof req.query.room === 'string' ? req.query.room : 'lobby'];
      },
      authorize: async (req, topics) => {
        expectTypeOf(topics).toEqualTypeOf<readonly string[]>();
        await Promise.resolve();
        return req.get('authorization') === undefined ? [] : topics;
      },
      retry: 5000,
      headers: { 'access-control-allow-origin': '*' },
    });
  });

  it('takes the hardening options, with the Express request in clientKey and onError', () => {
    const cors = { origins: ['https://app.example.com'], credentials: true };
    app.use(
      '/events',
      sse({
        hub,
        cors,
        clientKey: (req) => {
          expectTypeOf(req).toEqualTypeOf<Request>();
          return req.ip;
        },
        limitResponse: 429,
        limitRetryMs: 10_000,
        onError: (err, req) => {
          expectTypeOf(err).toEqualTypeOf<unknown>();
          expectTypeOf(req).toEqualTypeOf<Request>();
        },
      }),
    );
    sse({ hub, limitResponse: 'retry', cors: { origins: (origin) => origin.endsWith('.example.com') } });
    expectTypeOf(ssePreflight(cors)).toEqualTypeOf<RequestHandler>();
    app.options('/events', ssePreflight(cors));
    // @ts-expect-error the limit answer is 'retry' or 429
    sse({ hub, limitResponse: 503 });
    // @ts-expect-error origins is a list or a function
    sse({ hub, cors: { origins: 'https://app.example.com' } });
    // @ts-expect-error clientKey returns a string or undefined
    sse({ hub, clientKey: () => 42 });
    // @ts-expect-error ssePreflight needs the CORS options
    ssePreflight();
  });

  it('takes topics as a list, and path for app-wide mounting', () => {
    app.use(sse({ hub, path: '/events', topics: ['news', 'sports'] }));
    app.use(sse({ hub }));
    // @ts-expect-error path is a string
    sse({ hub, path: /events/ });
    // @ts-expect-error topics are a list or a function, not one string
    sse({ hub, topics: 'news' });
  });

  it('rejects options that do not fit', () => {
    // @ts-expect-error the hub is required
    sse({ retry: 1000 });
    // @ts-expect-error retry is a number of milliseconds
    sse({ hub, retry: '1000' });
    // @ts-expect-error authorize returns the topics, not a boolean
    sse({ hub, authorize: () => true });
    // @ts-expect-error topics resolves to a list
    sse({ hub, topics: () => 'news' });
    // @ts-expect-error header values are strings
    sse({ hub, headers: { 'x-count': 1 } });
    // @ts-expect-error an unknown option
    sse({ hub, heartbeatMs: 10 });
    // @ts-expect-error neither options nor a handler
    sse();
  });
});

describe('sse(handler)', () => {
  it('hands the typed stream, the Express request and response', () => {
    const handler = sse<{ tick: { n: number } }>(
      (stream, req, res) => {
        expectTypeOf(stream).toEqualTypeOf<SseStream<{ tick: { n: number } }>>();
        expectTypeOf(req).toEqualTypeOf<Request>();
        expectTypeOf(res).toEqualTypeOf<Response>();
        stream.send({ event: 'tick', data: { n: 1 }, id: '1' });
        // @ts-expect-error 'tock' is not in the map
        stream.send({ event: 'tock', data: { n: 1 } });
        // @ts-expect-error n is a number
        stream.send({ event: 'tick', data: { n: '1' } });
      },
      {
        retry: 1000,
        heartbeatMs: 15_000,
        onError: (err, req) => {
          expectTypeOf(err).toBeUnknown();
          expectTypeOf(req).toEqualTypeOf<Request>();
        },
      },
    );
    expectTypeOf(handler).toEqualTypeOf<RequestHandler>();
    app.get('/ticks', handler);
  });

  it('accepts an async handler, and an untyped stream by default', () => {
    app.get(
      '/untyped',
      sse(async (stream) => {
        expectTypeOf(stream).toEqualTypeOf<SseStream>();
        await Promise.resolve();
        stream.send({ event: 'anything', data: { any: 'thing' } });
      }),
    );
  });

  it('rejects options that belong to the hub form, and handlers of the wrong shape', () => {
    // @ts-expect-error hand-driven streams have no hub
    sse(() => undefined, { hub });
    // @ts-expect-error topics belong to sse({ hub })
    sse(() => undefined, { topics: () => ['a'] });
    // @ts-expect-error a handler returns nothing (or a promise of nothing)
    sse(() => 'done');
  });
});

describe('res.sse', () => {
  it('is on every Express response, optional, typed as a stream', () => {
    expectTypeOf<Response['sse']>().toEqualTypeOf<SseStream | undefined>();
    app.get('/anywhere', (_req, res) => {
      res.sse?.send({ event: 'hello', data: 'one client' });
      // @ts-expect-error it is undefined on routes without sse()
      res.sse.send({ data: 'x' });
      res.end();
    });
  });

  it('holds a hub subscription as well', () => {
    expectTypeOf<Subscription>().toExtend<NonNullable<Response['sse']>>();
    // @ts-expect-error only streams fit
    const wrong: Response['sse'] = { send: () => true };
    expectTypeOf(wrong).toEqualTypeOf<SseStream | undefined>();
  });
});

describe('exported types', () => {
  it('name the two forms', () => {
    expectTypeOf<ExpressSseOptions<{ a: string }>['hub']>().toEqualTypeOf<Hub<{ a: string }>>();
    expectTypeOf<ExpressStreamOptions['onError']>().toEqualTypeOf<((err: unknown, req: Request) => void) | undefined>();
    expectTypeOf<SseStreamHandler>().parameter(0).toEqualTypeOf<SseStream>();
  });
});
