import { describe, expectTypeOf, it } from 'vitest';
import { createHub } from '@ssekit/core';
import type { SseStream } from '@ssekit/core';
import { errorResponse, ssePreflight, sseResponse } from '../src/index.js';

declare const request: Request;

describe('sseResponse types', () => {
  it('returns a Response in both forms', () => {
    expectTypeOf(sseResponse(request, { hub: createHub() })).toEqualTypeOf<Response>();
    expectTypeOf(sseResponse(request, () => undefined)).toEqualTypeOf<Response>();
  });

  it('accepts a typed hub, and types the hand-driven stream by its event map', () => {
    sseResponse(request, { hub: createHub<{ tick: { n: number } }>(), topics: ['clock'] });
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

  it('takes the hardening options: cors on both forms, a clientKey string and the limit answer on a hub', () => {
    const cors = { origins: ['https://app.example.com'], credentials: true };
    sseResponse(request, {
      hub: createHub(),
      cors,
      clientKey: request.headers.get('x-forwarded-for') ?? undefined,
      limitResponse: 429,
      limitRetryMs: 10_000,
    });
    sseResponse(request, () => undefined, { cors: { origins: (origin) => origin.endsWith('.example.com') } });
    expectTypeOf(ssePreflight(request, cors)).toEqualTypeOf<Response>();
    expectTypeOf(errorResponse(new Error('x'))).toEqualTypeOf<Response>();
    // @ts-expect-error clientKey is the key itself: a Fetch request has no address to derive it from
    sseResponse(request, { hub: createHub(), clientKey: (req: Request) => req.url });
    // @ts-expect-error the limit answer is 'retry' or 429
    sseResponse(request, { hub: createHub(), limitResponse: 503 });
    // @ts-expect-error the limit answer belongs to hub streams
    sseResponse(request, () => undefined, { limitResponse: 429 });
    // @ts-expect-error ssePreflight needs the request and the CORS options
    ssePreflight(cors);
  });

  it('needs a hub or a handler', () => {
    // @ts-expect-error the hub form needs `hub`
    sseResponse(request, { topics: ['a'] });
    // @ts-expect-error hub options do not take a handler's options
    sseResponse(request, { hub: createHub() }, { retry: 1 });
  });
});
