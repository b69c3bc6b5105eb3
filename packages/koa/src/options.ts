import type { AdmissionOptions, SseStream } from '@ssekit/core';
import type { OpenStreamOptions } from '@ssekit/node';
import type { Context, ExtendableContext, Next } from 'koa';

/**
 * What `sse()` returns: Koa middleware, also accepted by `@koa/router` routes.
 * @typeParam TContext - the context it receives; inferred from where it is mounted.
 */
export type KoaSseMiddleware<TContext extends ExtendableContext = Context> = (
  ctx: TContext,
  next: Next,
) => Promise<void>;

/**
 * Where `sse()` streams when it is mounted app-wide; shared by both forms.
 */
export interface KoaPathOption {
  /**
   * Where a middleware mounted app-wide (`app.use(sse({ hub, path: '/events' }))`) streams: a
   * `GET` whose `ctx.path` is exactly this; every other request goes on to `next()`. Without it,
   * an app-wide middleware streams only requests that ask for `text/event-stream` in `Accept`
   * (every `EventSource` does). On a `@koa/router` route, which matched already, it is not
   * needed.
   * @default none: requests that accept `text/event-stream`, or the route's own
   */
  path?: string;
}

/**
 * Options of `sse({ hub })`: the options every ssekit adapter takes (see `AdmissionOptions` in
 * `@ssekit/core`), with the Koa `ctx` in the hooks (`ctx.state` holds what earlier middleware
 * found), and `path`. Refusals are thrown into Koa's error handling with `status`, `expose`
 * (4xx only) and the `headers` their answer needs.
 */
export interface KoaSseOptions<
  TEvents extends object = Record<string, unknown>,
  TContext extends ExtendableContext = Context,
>
  extends AdmissionOptions<TEvents, TContext>, KoaPathOption {}

/**
 * Options of `sse(handler)`, a hand-driven stream without a hub: the retry hint, heartbeat,
 * write deadline and backlog budget of `openStream` from `@ssekit/node`, plus `path`.
 */
export interface KoaStreamOptions extends OpenStreamOptions, KoaPathOption {}

/**
 * A hand-driven stream's body: send on `stream` until its `signal` aborts (the client left,
 * a write failed, the backlog passed its budget). A rejection ends the stream and reaches
 * Koa's `app.on('error')`.
 */
export type KoaStreamHandler<
  TEvents extends object = Record<string, unknown>,
  TContext extends ExtendableContext = Context,
> = (stream: SseStream<TEvents>, ctx: TContext) => void | Promise<void>;
