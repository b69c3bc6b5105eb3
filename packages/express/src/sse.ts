import { SsekitError } from '@ssekit/core';
import type { RequestHandler } from 'express';
import { handDriven } from './hand-driven.js';
import { subscribing } from './subscribe.js';
import type { ExpressSseOptions, ExpressStreamOptions, SseStreamHandler } from './types.js';

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
 * @throws SsekitError `invalid_option` for a bad option, at once.
 */
export function sse<TEvents extends object = Record<string, unknown>>(
  handler: SseStreamHandler<TEvents>,
  options?: ExpressStreamOptions,
): RequestHandler;
/**
 * Express middleware that subscribes each request to a hub: topics are resolved and
 * authorized, `Last-Event-ID` is checked, then the headers and the `retry:` hint leave at once
 * and the hub owns the response. Refusals (bad topic or id, authorization, an origin `cors` does
 * not allow, a closed hub) go to `next(err)` with `err.status` set, before any byte is written;
 * a request over the hub's connection limits gets the answer `limitResponse` says.
 *
 * On a route (`app.get('/events', sse({ hub }))`) every GET is streamed. Mounted app-wide
 * (`app.use(sse({ hub }))`) only GET requests on `path`, or without `path` those that accept
 * `text/event-stream`, are streamed; everything else goes on to `next()`.
 *
 * @example
 * ```ts
 * const hub = createHub();
 * app.get('/events', sse({ hub }));
 * await hub.publish('default', { event: 'news', data: { title: 'Hello' } });
 * ```
 * @throws SsekitError `invalid_option` for a bad option or an unknown key, at once.
 */
export function sse<TEvents extends object>(options: ExpressSseOptions<TEvents>): RequestHandler;
export function sse<TEvents extends object>(
  target: ExpressSseOptions<TEvents> | SseStreamHandler<TEvents>,
  options: ExpressStreamOptions = {},
): RequestHandler {
  if (typeof target === 'function') return handDriven(target, options);
  // JavaScript callers may pass anything; TypeScript's overloads cannot see that.
  if (typeof target !== 'object' || (target as object | null) === null) {
    throw new SsekitError(
      'invalid_option',
      'ssekit: sse() takes { hub } to subscribe requests to a hub, or a function (stream, req, res) to drive a stream by hand.',
    );
  }
  return subscribing(target);
}
