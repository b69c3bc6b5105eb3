import type { RegisteredEvents, SseStream, Subscription } from '@ssekit/core';
import type {
  ContextConfigDefault,
  FastifyBaseLogger,
  FastifyRequest,
  FastifySchema,
  FastifyTypeProvider,
  FastifyTypeProviderDefault,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerBase,
  RawServerDefault,
  RouteGenericInterface,
} from 'fastify';
import type { SseRouteOptions, SseStreamHandler, SseStreamOptions } from './options.js';

/**
 * The type of `reply.sse`. Its event map is the one of the hub declared in `Register` (see
 * `@ssekit/core`), or the one given: `reply.sse<EventsOf<typeof otherHub>>()`.
 */
export interface SseReplyMethod {
  /**
   * Subscribes this request to the plugin's hub. Topics are resolved and authorized, the
   * `Last-Event-ID` checked and the hub asked first: a refusal rejects before anything is sent,
   * so Fastify answers it like any handler error. Then the stream starts and the reply is
   * hijacked at once. Resolves to `undefined` when the request was answered without a stream
   * (the retry answer over a connection limit, a `HEAD`): the handler has nothing left to do.
   *
   * On an `{ sse }` route the stream is already open when the handler runs; `reply.sse()` with
   * no argument returns it.
   * @param options - overrides the route's and the plugin's options.
   */
  <TEvents extends object = RegisteredEvents>(options?: SseRouteOptions): Promise<Subscription<TEvents> | undefined>;
  /**
   * Opens a hand-driven stream (no hub): writes the headers, hijacks the reply and calls
   * `handler`. Rejects before anything is sent when the `Last-Event-ID` is malformed (400), an
   * option is bad (500) or the reply already started.
   * @param handler - produces the events.
   * @param options - `retry`, `heartbeatMs`, budget and policy, extra headers.
   */
  <TEvents extends object = RegisteredEvents>(
    handler: SseStreamHandler<TEvents>,
    options?: SseStreamOptions,
  ): Promise<SseStream<TEvents>>;
}

declare module 'fastify' {
  interface FastifyReply {
    /** Turns this reply into an event stream; see {@link SseReplyMethod}. Set by `@ssekit/fastify`. */
    sse: SseReplyMethod;
  }

  // Every declaration of an interface must repeat its type parameters exactly.
  interface RouteShorthandOptions<
    RawServer extends RawServerBase = RawServerDefault,
    RawRequest extends RawRequestDefaultExpression<RawServer> = RawRequestDefaultExpression<RawServer>,
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- must match Fastify's declaration
    RawReply extends RawReplyDefaultExpression<RawServer> = RawReplyDefaultExpression<RawServer>,
    RouteGeneric extends RouteGenericInterface = RouteGenericInterface,
    ContextConfig = ContextConfigDefault,
    SchemaCompiler extends FastifySchema = FastifySchema,
    TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault,
    Logger extends FastifyBaseLogger = FastifyBaseLogger,
  > {
    /**
     * Makes this GET route a hub subscription (`@ssekit/fastify`): `true` for the plugin's
     * options, or options of its own. The stream is open when the route's handler runs.
     * @default false
     */
    sse?:
      | boolean
      | SseRouteOptions<
          FastifyRequest<RouteGeneric, RawServer, RawRequest, SchemaCompiler, TypeProvider, ContextConfig, Logger>
        >;
  }
}
