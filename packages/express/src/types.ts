import type { CorsOptions, Hub, SseStream } from '@ssekit/core';
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
       * Set once the stream has started, before a hand-driven handler runs.
       */
      sse?: SseStream;
    }
  }
}

/**
 * Options of `sse({ hub, ... })`: the request is subscribed to the hub. The hooks run before
 * the first byte; whatever they throw goes to `next(err)`, so Express answers it.
 *
 * @typeParam TEvents - the hub's event map.
 */
export interface ExpressSseOptions<TEvents extends object = Record<string, unknown>> {
  /** The hub the stream subscribes to. */
  hub: Hub<TEvents>;
  /**
   * Resolves the request to its topics; may throw an `SsekitError` (or any error with a
   * `status`) to refuse it.
   * @default every `?topic=` parameter, or `['default']`
   */
  topics?: (req: Request, url: URL) => readonly string[] | Promise<readonly string[]>;
  /**
   * Checks the request and its topics; returns the topics it may receive (a subset, none
   * answers 403), or throws (`SsekitError('forbidden')` answers 403).
   * @default allows every topic
   */
  authorize?: (req: Request, topics: readonly string[]) => readonly string[] | Promise<readonly string[]>;
  /** The `retry:` hint written first, ms. @default the hub's `retry` */
  retry?: number;
  /** More response headers; they cannot replace the event-stream ones. @default {} */
  headers?: Record<string, string>;
  /**
   * Lets pages on other origins read the streams: the allowed origin is named (never `*`), with
   * `Vary: Origin` and credentials when asked; another origin gets a 403 through `next(err)`.
   * `OPTIONS` preflights that reach this middleware are answered (`app.use('/events', ...)`
   * sees them; `app.get` does not: add `app.options('/events', ssePreflight(cors))`).
   * @default off: no `Access-Control-*` header
   */
  cors?: CorsOptions;
  /**
   * Who the client is, for the hub's `maxConnectionsPerClient`; `undefined` exempts the request.
   * @default `req.ip`: the remote address, or the forwarded one when Express's `trust proxy` is set
   */
  clientKey?: (req: Request) => string | undefined;
  /**
   * How a request over the hub's connection limits is answered.
   * - `'retry'`: `200` with the stream headers, a `retry:` hint of `limitRetryMs` (plus up to
   *   half as much again, at random) and an immediate end, which `EventSource` honours by coming
   *   back later (a `429` makes it give up). It does not go through `next()`.
   * - `429`: `next(err)` with `err.status` 429 and `Retry-After` already set on `res`.
   * @default 'retry'
   */
  limitResponse?: 'retry' | 429;
  /** The base of the `retry:` hint (and `Retry-After`) over a limit, ms. @default 30000 */
  limitRetryMs?: number;
  /**
   * Told about each failure that will be answered with a 5xx (a throwing `authorize`, a backend
   * down), just before it goes to `next(err)`; a throw here is ignored. Refusals (4xx) are not
   * reported.
   * @default none: Express's error handling reports what reaches `next(err)`
   */
  onError?: (err: unknown, req: Request) => void;
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
