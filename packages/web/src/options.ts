import type { AdmissionOptions, CorsOptions, OpenStreamOptions, SseStream } from '@ssekit/core';
import type { SseBodyOptions } from './sse-body.js';

/**
 * Options of `sseResponse(request, { hub, ... })` and `sseHandler({ hub, ... })`: the options
 * every ssekit adapter takes (see `AdmissionOptions` in `@ssekit/core`), with the Fetch
 * `Request` in the hooks, and the body's own.
 *
 * A Fetch `Request` carries no client address, so `clientKey` has no default: pass the address
 * your runtime gives (`getConnInfo(c).remote.address` in Hono, `server.requestIP(request)` in
 * Bun, `info.remoteAddr` in Deno), one a proxy you trust forwards, or a user id.
 */
export interface HubResponseOptions<TEvents extends object = Record<string, unknown>>
  extends AdmissionOptions<TEvents, Request>, SseBodyOptions {
  /**
   * Where the client resumes from, instead of the request's `Last-Event-ID` header (or
   * `?lastEventId=`); `null` starts live whatever the request says. Untrusted: it is checked.
   * @default the request's
   */
  lastEventId?: string | null;
  /**
   * Aborting it ends the stream with reason `'client'`.
   * @default request.signal
   */
  signal?: AbortSignal;
}

/** The web adapter's own option names beside the shared ones. @internal */
export const WEB_OWN_KEYS: readonly string[] = [
  'lastEventId',
  'signal',
  'highWaterMark',
] satisfies readonly (keyof HubResponseOptions)[];

/** Options of the hand-driven `sseResponse(request, handler, options)`. */
export interface StreamResponseOptions extends OpenStreamOptions, SseBodyOptions {
  /** More response headers; they may not override the stream's own. @default none */
  headers?: HeadersInit;
  /**
   * Lets pages on other origins read the stream; another origin is refused with
   * `SsekitError('forbidden')` (403), thrown before the `Response` exists.
   * @default off: no `Access-Control-*` header
   */
  cors?: CorsOptions;
  /**
   * Called with the error when the handler throws or its promise rejects (the stream is then
   * closed with reason `'error'`).
   * @default console.error
   */
  onError?: (error: unknown) => void;
}

/** Drives one stream by hand; runs when the runtime starts reading the body. */
export type SseStreamHandler<TEvents extends object> = (stream: SseStream<TEvents>) => void | Promise<void>;
