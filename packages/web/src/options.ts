import type { CreateStreamOptions, Hub, SseStream } from '@ssekit/core';
import type { SseBodyOptions } from './sse-body.js';

/** Options shared by both forms of `sseResponse`. */
export interface ResponseOptions extends SseBodyOptions {
  /**
   * More response headers (CORS, for instance); they may not override the stream's own.
   * @default none
   */
  headers?: HeadersInit;
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
}

/** Options of the hand-driven `sseResponse`. */
export interface StreamResponseOptions extends ResponseOptions, CreateStreamOptions {
  /**
   * Called with the error when the handler throws or its promise rejects (the stream is then
   * closed with reason `'error'`).
   * @default console.error
   */
  onError?: (error: unknown) => void;
}

/** Drives one stream by hand; runs when the runtime starts reading the body. */
export type StreamHandler<TEvents extends object> = (stream: SseStream<TEvents>) => void | Promise<void>;
