import type { AdmissionOptions, Hub, SseStream } from '@ssekit/core';
import type { OpenStreamOptions } from '@ssekit/node';
import type { FastifyRequest } from 'fastify';

/**
 * How a request becomes a hub subscription: the options every ssekit adapter takes (see
 * `AdmissionOptions` in `@ssekit/core`), with the Fastify request in the hooks. Given to the
 * plugin (defaults for every stream), to a route (`{ sse: { ... } }`) or to
 * `reply.sse(options)`; the narrower one wins, field by field, and `headers` add up. Refusals
 * reach Fastify's error handler with their `statusCode`.
 *
 * @typeParam TRequest - the request type the hooks receive; a route's typed request (its
 * `Params`, `Querystring`) when given as a route option.
 */
export type SseRouteOptions<TRequest = FastifyRequest> = Omit<AdmissionOptions<object, TRequest>, 'hub'>;

/**
 * Options of the plugin: `app.register(ssekit, { hub, ...defaults })`.
 * @typeParam TEvents - the hub's event map, kept for `reply.sse()`'s default.
 */
export interface SsekitPluginOptions<TEvents extends object = Record<string, unknown>> extends SseRouteOptions {
  /** The hub every `{ sse }` route and every `reply.sse()` subscribes to. */
  hub: Hub<TEvents>;
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
export type SseStreamHandler<TEvents extends object> = (
  stream: SseStream<TEvents>,
  lastEventId: string | undefined,
) => unknown;

/** The narrower options win field by field; extra headers add up. @internal */
export function merge(base: SseRouteOptions, over: SseRouteOptions | undefined): SseRouteOptions {
  if (over === undefined) return base;
  const merged: Record<string, unknown> = {};
  // Both sides were checked for unknown keys when they were made, so their own keys are all options.
  for (const key of new Set([...Object.keys(base), ...Object.keys(over)]) as Set<keyof SseRouteOptions>) {
    const value = over[key] ?? base[key];
    if (value !== undefined) merged[key] = value;
  }
  if (base.headers !== undefined && over.headers !== undefined) merged.headers = { ...base.headers, ...over.headers };
  return merged;
}
