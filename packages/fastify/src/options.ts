import type { Hub, SseStream } from '@ssekit/core';
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
  /** More response headers (CORS, for instance); they cannot override the SSE headers. @default none */
  headers?: Record<string, string>;
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
