import type { Hub } from '@ssekit/core';
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

/** Options of `sse({ hub })`, which subscribes requests to a hub. */
export interface KoaSseOptions<
  TEvents extends object = Record<string, unknown>,
  TContext extends ExtendableContext = Context,
> {
  /** The hub the streams subscribe to. */
  hub: Hub<TEvents>;
  /**
   * Stream only requests whose `ctx.path` is exactly this; every other request goes on to
   * `next()`. Needed with `app.use()`; leave it out on a router route, which matched already.
   * Whatever the path, only `GET` requests are streamed (`EventSource` sends nothing else).
   * @default undefined (every GET request that reaches the middleware)
   */
  path?: string;
  /**
   * The topics of a request; may throw an `SsekitError` (or any error with a `status`) to
   * refuse it before any byte is sent. Each topic is checked by the hub.
   * @default every `?topic=` parameter, or `['default']`
   */
  topics?: (ctx: TContext) => readonly string[] | Promise<readonly string[]>;
  /**
   * Checks the request before the stream starts; returns the topics it may receive (a subset
   * of `topics`), or throws (`SsekitError('forbidden')` answers 403). `ctx.state` holds what
   * earlier middleware (a session, a token check) found.
   * @default allows every topic
   */
  authorize?: (ctx: TContext, topics: readonly string[]) => readonly string[] | Promise<readonly string[]>;
  /** The `retry:` hint written first, in ms. @default the hub's `retry` */
  retry?: number;
  /** More response headers (CORS, for instance); they cannot replace the stream's own. @default {} */
  headers?: Record<string, string>;
}

/**
 * Options of `sse(handler)`, a hand-driven stream without a hub: the retry hint, heartbeat,
 * write deadline and backlog budget of `openStream` from `@ssekit/node`, plus `path`.
 */
export interface KoaStreamOptions extends OpenStreamOptions {
  /**
   * Stream only requests whose `ctx.path` is exactly this; see {@link KoaSseOptions.path}.
   * @default undefined (every GET request that reaches the middleware)
   */
  path?: string;
}
