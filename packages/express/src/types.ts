import type { AdmissionOptions, RegisteredEvents, SseStream } from '@ssekit/core';
import type { OpenStreamOptions } from '@ssekit/node';
import type { Request, Response } from 'express';

declare global {
  // @types/express (4 and 5 alike) merges this global interface into its `Response`, so every
  // route's `res` gets `sse` without this package resolving `express-serve-static-core` itself.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Response {
      /**
       * The event stream `sse()` opened on this response; `undefined` on every other route.
       * Set once the stream has started, before a hand-driven handler runs. Typed with the event
       * map of the hub declared in `Register` (see `@ssekit/core`).
       */
      // The registered map, not the default it equals until an app declares its hub in `Register`.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-arguments
      sse?: SseStream<RegisteredEvents>;
    }
  }
}

/**
 * Options of `sse({ hub, ... })`: the options every ssekit adapter takes (see
 * `AdmissionOptions` in `@ssekit/core`), with the Express `req` in the hooks, and `path`.
 * Refusals go to `next(err)` with `err.status` set, before any byte is written.
 *
 * @typeParam TEvents - the hub's event map.
 */
export interface ExpressSseOptions<TEvents extends object = Record<string, unknown>> extends AdmissionOptions<
  TEvents,
  Request
> {
  /**
   * Where a middleware mounted app-wide (`app.use(sse({ hub, path: '/events' }))`) streams: a
   * `GET` to exactly this path (as Express sees it, relative to the mount); every other request
   * goes on to `next()`. Without it, an app-wide middleware streams only requests that ask for
   * `text/event-stream` in `Accept` (every `EventSource` does). On a route (`app.get('/events',
   * sse({ hub }))`), which matched already, it is not needed.
   * @default none: requests that accept `text/event-stream`, or the route's own
   */
  path?: string;
}

/**
 * Options of `sse(handler, options)`: a hand-driven stream, without a hub.
 * Inherits `retry` (default none), `heartbeatMs` (15000), `writeTimeoutMs` (30000),
 * `maxBufferedBytes` (1 MiB), `slowClientPolicy` (`'disconnect'`), `serialize` and `headers`.
 */
export interface ExpressStreamOptions extends OpenStreamOptions {
  /**
   * Called when the handler throws or its promise rejects. The stream has started by then, so
   * the error cannot become an HTTP answer: the stream is ended (reason `'server'`, after the
   * events already sent) and the error reported here, never to `next()`.
   * @default logs it with `console.error`
   */
  onError?: (err: unknown, req: Request) => void;
}

/**
 * Drives one stream by hand (the classic ticker): called once the headers and the `retry:`
 * hint are out. Returning, or settling its promise, does not end the stream; `stream.close()`
 * does, and `stream.signal` aborts when it ends for any reason (the client leaving, too).
 *
 * @typeParam TEvents - event names to data types, checked by `stream.send()`.
 */
export type SseStreamHandler<TEvents extends object = Record<string, unknown>> = (
  stream: SseStream<TEvents>,
  req: Request,
  res: Response,
) => void | Promise<void>;
