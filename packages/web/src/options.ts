import type { CorsOptions, Hub, OpenStreamOptions, SseStream } from '@ssekit/core';
import type { SseBodyOptions } from './sse-body.js';

/** Options shared by both forms of `sseResponse`. */
export interface ResponseOptions extends SseBodyOptions {
  /**
   * More response headers; they may not override the stream's own.
   * @default none
   */
  headers?: HeadersInit;
  /**
   * Lets pages on other origins read the stream: the allowed origin is named (never `*`), with
   * `Vary: Origin` and credentials when asked; another origin is refused with
   * `SsekitError('forbidden')` (403), thrown before the `Response` exists. Preflights
   * (`OPTIONS`) are answered by `ssePreflight(request, cors)`.
   * @default off: no `Access-Control-*` header
   */
  cors?: CorsOptions;
  /**
   * Aborting it ends the stream with reason `'client'`.
   * @default request.signal
   */
  signal?: AbortSignal;
}

/** Options of `sseResponse` on a hub. */
export interface HubResponseOptions<TEvents extends object> extends ResponseOptions {
  /** The hub to subscribe to. */
  hub: Hub<TEvents>;
  /**
   * The topics to receive, already authorized (await your checks before calling). An empty
   * list is refused with `SsekitError('forbidden')`.
   * @default every `?topic=` parameter, or `['default']`
   */
  topics?: readonly string[];
  /**
   * Where the client resumes from, untrusted; `null` starts live whatever the request says.
   * @default the `Last-Event-ID` header, else `?lastEventId=`
   */
  lastEventId?: string | null;
  /** The `retry:` hint, ms. @default the hub's */
  retry?: number;
  /**
   * Who the client is, for the hub's `maxConnectionsPerClient`. A Fetch `Request` carries no
   * remote address, so nothing is assumed: pass the address your runtime gives
   * (`getConnInfo(c).remote.address` in Hono, `server.requestIP(request)` in Bun,
   * `info.remoteAddr` in Deno), the one a proxy you trust forwards, or a user id.
   * @default none: the request is exempt from the per-client limit
   */
  clientKey?: string;
  /**
   * How a request over the hub's connection limits is answered.
   * - `'retry'`: the `200` event stream's body is only a `retry:` hint of `limitRetryMs` (plus up
   *   to half as much again, at random), then it ends; `EventSource` comes back after the hint
   *   (a `429` makes it give up). The subscription is still made on the first read.
   * - `429`: `sseResponse` throws `SsekitError('too_many_connections')` (429) with
   *   `Retry-After` in `err.headers`, which `errorResponse` sends. To know the answer before the
   *   `Response` exists, the stream subscribes when `sseResponse` is called, not on the first read
   *   (except for `HEAD`): return its `Response` at once.
   * @default 'retry'
   */
  limitResponse?: 'retry' | 429;
  /** The base of the `retry:` hint (and `Retry-After`) over a limit, ms. @default 30000 */
  limitRetryMs?: number;
}

/** Options of the hand-driven `sseResponse`. */
export interface StreamResponseOptions extends ResponseOptions, OpenStreamOptions {
  /**
   * Called with the error when the handler throws or its promise rejects (the stream is then
   * closed with reason `'error'`).
   * @default console.error
   */
  onError?: (error: unknown) => void;
}

/** Drives one stream by hand; runs when the runtime starts reading the body. */
export type StreamHandler<TEvents extends object> = (stream: SseStream<TEvents>) => void | Promise<void>;
