import { SsekitError } from '@ssekit/core';
import type { SseStream } from '@ssekit/core';
import { openStream, startStream } from '@ssekit/node';
import type { SseHandlerOptions } from '@ssekit/node';
import type { RequestHandler } from 'express';
import type { ExpressSseOptions, ExpressStreamOptions, SseStreamHandler } from './types.js';

/**
 * Express middleware that subscribes each request to a hub: topics are resolved and
 * authorized, `Last-Event-ID` is checked, then the headers and the `retry:` hint leave at once
 * and the hub owns the response. Refusals (bad topic or id, authorization, a closed hub) go to
 * `next(err)` with `err.status` set, before any byte is written. Mount it with
 * `app.use('/events', ...)` or `router.get('/events', ...)`.
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
  const { hub, ...rest } = target;
  // Express's req and res are node:http's, so the Express-typed hooks get exactly the objects
  // startStream passes them.
  const nodeOptions = rest as SseHandlerOptions;
  return (req, res, next) => {
    startStream(hub, req, res, nodeOptions).then((stream) => {
      res.sse = stream;
    }, next);
  };
}

function handDriven<TEvents extends object>(
  handler: SseStreamHandler<TEvents>,
  { onError = logError, ...streamOptions }: ExpressStreamOptions,
): RequestHandler {
  return (req, res, next) => {
    if (res.headersSent) {
      next(
        new SsekitError('headers_sent', 'ssekit: the response already started; mount sse() before anything writes.'),
      );
      return;
    }
    let stream: SseStream<TEvents>;
    try {
      stream = openStream<TEvents>(req, res, streamOptions);
    } catch (err) {
      next(err);
      return;
    }
    res.sse = stream as SseStream<object>;
    // The transport is fine, the application failed: 'server' lets already queued events out.
    const fail = (err: unknown): void => {
      void stream.close('server');
      onError(err, req);
    };
    try {
      const result = handler(stream, req, res);
      if (result instanceof Promise) result.catch(fail);
    } catch (err) {
      fail(err);
    }
  };
}

function logError(err: unknown): void {
  console.error('ssekit: a hand-driven stream handler failed after the stream started; the stream was ended.', err);
}
