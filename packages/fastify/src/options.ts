import type { CorsOptions, Hub, SseStream } from '@ssekit/core';
import type { OpenStreamOptions } from '@ssekit/node';
import type { FastifyRequest } from 'fastify';

/**
 * How a request becomes a hub subscription. Given to the plugin (defaults for every stream),
 * to a route (`{ sse: { ... } }`) or to `reply.sse(options)`; the narrower one wins, field by
 * field.
 *
 * @typeParam TRequest - the request type the hooks receive; a route's typed request (its
 * `Params`, `Querystring`) when given as a route option.
 */
export interface SseRouteOptions<TRequest = FastifyRequest> {
  /**
   * The topics to subscribe to: a fixed list, or a function of the request. Each is checked
   * (`invalid_topic`, 400) before anything is sent.
   * @default every `?topic=` parameter, or `['default']`
   */
  topics?: readonly string[] | ((request: TRequest) => readonly string[] | Promise<readonly string[]>);
  /**
   * Checks the request and its topics before the stream starts; returns the topics it may
   * receive: the stream gets the requested topics that are in that list. Throwing
   * (`SsekitError('forbidden')`, or any error with a `statusCode`) or leaving no topic (403)
   * answers with an error through Fastify's error handler.
   * @default allows every topic
   */
  authorize?: (request: TRequest, topics: readonly string[]) => readonly string[] | Promise<readonly string[]>;
  /** The `retry:` hint sent first, in ms. @default the hub's `retry` */
  retry?: number;
  /** More response headers; they cannot override the SSE headers. @default none */
  headers?: Record<string, string>;
  /**
   * Lets pages on other origins read the streams: the allowed origin is named (never `*`), with
   * `Vary: Origin` and credentials when asked; another origin is refused (403) through Fastify's
   * error handler. An `{ sse }` route with `cors` gets an `OPTIONS` route answering preflights.
   * @default off: no `Access-Control-*` header
   */
  cors?: CorsOptions;
  /**
   * Who the client is, for the hub's `maxConnectionsPerClient`; `undefined` exempts the request.
   * @default `request.ip`: the remote address, or the forwarded one under Fastify's `trustProxy`
   */
  clientKey?: (request: TRequest) => string | undefined;
  /**
   * How a request over the hub's connection limits is answered.
   * - `'retry'`: `200` with the stream headers, a `retry:` hint of `limitRetryMs` (plus up to
   *   half as much again, at random) and an immediate end, which `EventSource` honours by coming
   *   back later (a `429` makes it give up). The reply is hijacked; an `{ sse }` route's handler
   *   does not run, and `reply.sse()` rejects with the error after answering (`reply.sent` is
   *   true).
   * - `429`: thrown through Fastify's error handler with `status` 429 and `Retry-After` set.
   * @default 'retry'
   */
  limitResponse?: 'retry' | 429;
  /** The base of the `retry:` hint (and `Retry-After`) over a limit, ms. @default 30000 */
  limitRetryMs?: number;
  /**
   * Told about each failure that will be answered with a 5xx (a throwing `authorize`, a backend
   * down), just before Fastify's error handler gets it; a throw here is ignored. Refusals (4xx)
   * are not reported.
   * @default none: Fastify logs the 5xx it answers
   */
  onError?: (err: unknown, request: TRequest) => void;
}

/** Options of the plugin: `app.register(ssekit, { hub, ...defaults })`. */
export interface SsekitPluginOptions extends SseRouteOptions {
  /** The hub every `{ sse }` route and every `reply.sse()` subscribes to. */
  hub: Hub<object>;
}

/** Options of a hand-driven stream, `reply.sse((stream) => { ... }, options)`. */
export type SseStreamOptions = OpenStreamOptions;

/**
 * Drives one hand-made stream: called once the headers (and the `retry:` hint, when given) are
 * on their way; it may return a promise. Stop producing when `stream.signal` aborts. A throw or
 * a rejection cannot become an HTTP error any more: it is logged with `request.log` and the
 * stream ends.
 *
 * @param stream - the open stream.
 * @param lastEventId - the client's checked `Last-Event-ID` (header or `?lastEventId=`), if any.
 */
export type SseDrive<TEvents extends object> = (stream: SseStream<TEvents>, lastEventId: string | undefined) => unknown;
