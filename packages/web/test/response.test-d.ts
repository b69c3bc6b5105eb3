import { describe, expectTypeOf, it } from 'vitest';
import { createHub } from '@ssekit/core';
import type { SseStream } from '@ssekit/core';
import { errorResponse, ssePreflight, sseHandler, sseResponse } from '../src/index.js';
import type { HubResponseOptions } from '../src/index.js';

declare const request: Request;

describe('sseResponse types', () => {
  it('returns a Response, at once when hand-driven and as a promise for a hub (admission is async)', () => {
    expectTypeOf(sseResponse(request, { hub: createHub() })).toEqualTypeOf<Promise<Response>>();
    expectTypeOf(sseResponse(request, () => undefined)).toEqualTypeOf<Response>();
  });

  it('accepts a typed hub, and types the hand-driven stream by its event map', () => {
    void sseResponse(request, { hub: createHub<{ tick: { n: number } }>(), topics: ['clock'] });
    sseResponse<{ tick: { n: number } }>(request, (stream) => {
      expectTypeOf(stream).toEqualTypeOf<SseStream<{ tick: { n: number } }>>();
      stream.send({ event: 'tick', data: { n: 1 } });
      // @ts-expect-error n must be a number
      stream.send({ event: 'tick', data: { n: 'one' } });
    });
  });

  it('accepts an async handler', () => {
    sseResponse(request, async (stream) => {
      await Promise.resolve();
      stream.send({ data: 'later' });
    });
  });

  it('takes the hardening options: cors on both forms, clientKey, authorize and the limit answer on a hub', () => {
    const cors = { origins: ['https://app.example.com'], credentials: true };
    void sseResponse(request, {
      hub: createHub(),
      cors,
      clientKey: (req) => {
        expectTypeOf(req).toEqualTypeOf<Request>();
        return req.headers.get('x-forwarded-for') ?? undefined;
      },
      authorize: (req, topics) => (req.headers.has('authorization') ? topics : []),
      limitResponse: 429,
      limitRetryMs: 10_000,
    });
    sseResponse(request, () => undefined, { cors: { origins: (origin) => origin.endsWith('.example.com') } });
    expectTypeOf(ssePreflight(request, cors)).toEqualTypeOf<Response>();
    expectTypeOf(errorResponse(new Error('x'))).toEqualTypeOf<Response>();
    // @ts-expect-error clientKey is a function of the request, as in every adapter
    void sseResponse(request, { hub: createHub(), clientKey: 'client-1' });
    // @ts-expect-error the limit answer is 'retry' or 429
    void sseResponse(request, { hub: createHub(), limitResponse: 503 });
    // @ts-expect-error the limit answer belongs to hub streams
    sseResponse(request, () => undefined, { limitResponse: 429 });
    // @ts-expect-error authorize returns the topics it allows
    void sseResponse(request, { hub: createHub(), authorize: () => true });
    // @ts-expect-error ssePreflight needs the request and the CORS options
    ssePreflight(cors);
  });

  it('needs a hub or a handler', () => {
    // @ts-expect-error the hub form needs `hub`
    void sseResponse(request, { topics: ['a'] });
    // @ts-expect-error hub options do not take a handler's options
    void sseResponse(request, { hub: createHub() }, { retry: 1 });
  });
});

describe('sseHandler types', () => {
  it('makes a Fetch handler from the hub options', () => {
    const hub = createHub<{ tick: { n: number } }>();
    const events = sseHandler({ hub, topics: (req) => [new URL(req.url).pathname.slice(1)] });
    expectTypeOf(events).parameter(0).toEqualTypeOf<Request>();
    expectTypeOf(events).returns.toEqualTypeOf<Promise<Response>>();
    expectTypeOf<Parameters<typeof sseHandler>[0]>().toExtend<HubResponseOptions<object>>();
  });

  it('refuses what is not a hub option', () => {
    // @ts-expect-error the hub is required
    sseHandler({ topics: ['a'] });
    // @ts-expect-error not an option of hub streams
    sseHandler({ hub: createHub(), heartbeatMs: 0 });
    // @ts-expect-error topics are a list or a function, not one string
    sseHandler({ hub: createHub(), topics: 'news' });
  });
});
