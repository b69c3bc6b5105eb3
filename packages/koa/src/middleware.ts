import { SsekitError } from '@ssekit/core';
import type { Context, ExtendableContext } from 'koa';
import { handDriven } from './hand-driven.js';
import type { KoaSseMiddleware, KoaSseOptions, KoaStreamHandler, KoaStreamOptions } from './options.js';
import { subscribing } from './subscribe.js';
import './context.js';

/**
 * Server-Sent Events for Koa 2 and 3 and `@koa/router`.
 *
 * `sse({ hub })` subscribes each request it streams to the hub's topics. `sse(handler)` opens a
 * stream without a hub and hands it to `handler`. On a `@koa/router` route every GET is
 * streamed; mounted app-wide, only GET requests on `path`, or without `path` those that accept
 * `text/event-stream`; everything else goes on to `next()`; `ctx.sse` is the stream; and Koa
 * steps out (`ctx.respond = false`) once the headers are written, so `@ssekit/node` drives the
 * response: first flush, backpressure, cancellation. Anything that refuses a request (bad
 * `Last-Event-ID`, a bad topic, `authorize`, an origin `cors` does not allow, a closed hub) is
 * thrown before the first byte, with `status` and, for 4xx, `expose = true`, so Koa's error
 * handling answers it. A request over the hub's connection limits gets the answer
 * `limitResponse` says; with `cors`, `OPTIONS` requests to `path` get the preflight answer.
 * The options are checked when `sse()` is called: a bad value or an unknown key throws
 * `SsekitError('invalid_option')`.
 *
 * @example
 * ```ts
 * const hub = createHub();
 * app.use(sse({ hub, path: '/events' }));
 * router.get('/clock', sse((stream) => {
 *   const timer = setInterval(() => stream.send({ data: new Date().toISOString() }), 1000);
 *   stream.signal.addEventListener('abort', () => clearInterval(timer));
 * }));
 * ```
 */
export function sse<TEvents extends object = Record<string, unknown>, TContext extends ExtendableContext = Context>(
  handler: KoaStreamHandler<TEvents, TContext>,
  options?: KoaStreamOptions,
): KoaSseMiddleware<TContext>;
export function sse<TEvents extends object, TContext extends ExtendableContext = Context>(
  options: KoaSseOptions<TEvents, TContext>,
): KoaSseMiddleware<TContext>;
export function sse<TEvents extends object, TContext extends ExtendableContext>(
  first: KoaSseOptions<TEvents, TContext> | KoaStreamHandler<TEvents, TContext>,
  options: KoaStreamOptions = {},
): KoaSseMiddleware<TContext> {
  if (typeof first === 'function') return handDriven(first, options);
  // JavaScript callers may pass anything; TypeScript's overloads cannot see that.
  if (typeof first !== 'object' || (first as object | null) === null) {
    throw new SsekitError(
      'invalid_option',
      'ssekit: sse() takes { hub } to subscribe requests to a hub, or a function (stream, ctx) to drive a stream by hand.',
    );
  }
  return subscribing(first);
}
