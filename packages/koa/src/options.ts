import type { CorsOptions, Hub, SseStream } from '@ssekit/core';
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
  /** More response headers; they cannot replace the stream's own. @default {} */
  headers?: Record<string, string>;
  /**
   * Lets pages on other origins read the streams: the allowed origin is named (never `*`), with
   * `Vary: Origin` and credentials when asked; another origin is refused (403) before the
   * stream. `OPTIONS` preflights to `path` are answered; on a router, add
   * `router.options('/events', ssePreflight(cors))`.
   * @default off: no `Access-Control-*` header
   */
  cors?: CorsOptions;
  /**
   * Who the client is, for the hub's `maxConnectionsPerClient`; `undefined` exempts the request.
   * @default `ctx.ip`: the remote address, or the forwarded one when `app.proxy` is set
   */
  clientKey?: (ctx: TContext) => string | undefined;
  /**
   * How a request over the hub's connection limits is answered.
   * - `'retry'`: `200` with the stream headers, a `retry:` hint of `limitRetryMs` (plus up to
   *   half as much again, at random) and an immediate end, which `EventSource` honours by coming
   *   back later (a `429` makes it give up). Nothing is thrown.
   * - `429`: thrown into Koa's error handling with `status` 429 and `Retry-After` in
   *   `err.headers` (Koa's handler clears the headers set before and sets those).
   * @default 'retry'
   */
  limitResponse?: 'retry' | 429;
  /** The base of the `retry:` hint (and `Retry-After`) over a limit, ms. @default 30000 */
  limitRetryMs?: number;
  /**
   * Told about each failure that will be answered with a 5xx (a throwing `authorize`, a backend
   * down), just before it is thrown into Koa's error handling; a throw here is ignored. Refusals
   * (4xx) are not reported.
   * @default none: Koa's `app.on('error')` reports the 5xx it answers
   */
  onError?: (err: unknown, ctx: TContext) => void;
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

/**
 * A hand-driven stream's body: send on `stream` until its `signal` aborts (the client left,
 * a write failed, the backlog passed its budget). A rejection ends the stream and reaches
 * Koa's `app.on('error')`.
 */
export type KoaStreamHandler<
  TEvents extends object = Record<string, unknown>,
  TContext extends ExtendableContext = Context,
> = (stream: SseStream<TEvents>, ctx: TContext) => void | Promise<void>;
