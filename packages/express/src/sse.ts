import { SsekitError } from '@ssekit/core';
import type { RequestHandler } from 'express';
import { handDriven } from './hand-driven.js';
import { subscribing } from './subscribe.js';
import type { ExpressSseOptions, ExpressStreamOptions, SseStreamHandler } from './types.js';

/**
 * Express middleware that subscribes each request to a hub: topics are resolved and
 * authorized, `Last-Event-ID` is checked, then the headers and the `retry:` hint leave at once
 * and the hub owns the response. Refusals (bad topic or id, authorization, an origin `cors` does
 * not allow, a closed hub) go to `next(err)` with `err.status` set, before any byte is written;
 * a request over the hub's connection limits gets the answer `limitResponse` says. Mount it with
 * `app.use('/events', ...)` (which also answers `OPTIONS` preflights when `cors` is set) or
 * `router.get('/events', ...)`.
 *
 * @example
 * ```ts
 * const hub = createHub();
 * app.get('/events', sse({ hub }));
 * await hub.publish('default', { event: 'news', data: { title: 'Hello' } });
 * ```
 */
export function sse<TEvents extends object>(options: ExpressSseOptions<TEvents>): RequestHandler;
/**
 * Express middleware that opens a hand-driven stream per request and passes it to `handler`.
 * Anything that should refuse the request belongs in a middleware before this one; once the
 * handler runs, the stream has started and errors end it instead of reaching `next()`.
 *
 * @example
 * ```ts
 * app.get('/ticks', sse((stream) => {
 *   let n = 0;
 *   const timer = setInterval(() => stream.send({ id: String(n), data: `tick ${n++}` }), 1000);
 *   stream.signal.addEventListener('abort', () => clearInterval(timer));
 * }));
 * ```
 */
export function sse<TEvents extends object = Record<string, unknown>>(
  handler: SseStreamHandler<TEvents>,
  options?: ExpressStreamOptions,
): RequestHandler;
export function sse<TEvents extends object>(
  target: ExpressSseOptions<TEvents> | SseStreamHandler<TEvents>,
  options: ExpressStreamOptions = {},
): RequestHandler {
  if (typeof target === 'function') return handDriven(target, options);
  if (typeof target !== 'object' || (target as Partial<ExpressSseOptions<TEvents>> | null)?.hub === undefined) {
    throw new SsekitError(
      'invalid_option',
      'ssekit: sse() takes { hub } to subscribe requests to a hub, or a function (stream, req, res) to drive a stream by hand.',
    );
  }
  return subscribing(target);
}
