import { describe, expectTypeOf, it } from 'vitest';
import { createHub } from '@ssekit/core';
import type { SseStream } from '@ssekit/core';
import { sseResponse } from '../src/index.js';

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

  it('needs a hub or a handler', () => {
    // @ts-expect-error the hub form needs `hub`
    sseResponse(request, { topics: ['a'] });
    // @ts-expect-error hub options do not take a handler's options
    sseResponse(request, { hub: createHub() }, { retry: 1 });
  });
});
