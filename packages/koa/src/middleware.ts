import { SsekitError } from '@ssekit/core';
import type { SseStream } from '@ssekit/core';
import { openStream, startStream } from '@ssekit/node';
import type { SseHandlerOptions } from '@ssekit/node';
import type { Context, ExtendableContext } from 'koa';
import type { KoaSseMiddleware, KoaSseOptions, KoaStreamOptions } from './options.js';
import './context.js';

/**
 * A hand-driven stream's body: send on `stream` until its `signal` aborts (the client left,
 * a write failed, the backlog passed its budget). A rejection ends the stream and reaches
 * Koa's `app.on('error')`.
 */
export type KoaStreamHandler<
  TEvents extends object = Record<string, unknown>,
  TContext extends ExtendableContext = Context,
> = (stream: SseStream<TEvents>, ctx: TContext) => void | Promise<void>;

/**
 * Server-Sent Events for Koa 2 and 3 and `@koa/router`.
 *
 * `sse({ hub })` subscribes each request it streams to the hub's topics. `sse(handler)` opens a
 * stream without a hub and hands it to `handler`. Either way only `GET` requests (matching
 * `path`, when given) are streamed, others go on to `next()`; `ctx.sse` is the stream; and Koa
 * steps out (`ctx.respond = false`) once the headers are written, so `@ssekit/node` drives the
 * response: first flush, backpressure, cancellation. Anything that refuses a request (bad
 * `Last-Event-ID`, a bad topic, `authorize`, a closed hub) is thrown before the first byte, with
 * `status` and, for 4xx, `expose = true`, so Koa's error handling answers it.
 *
 * @example
 * ```ts
 * const hub = createHub();
 * app.use(sse({ hub, path: '/events' }));
 * router.get('/clock', sse((stream) => {
 *   const timer = setInterval(() => stream.send({ data: new Date().toISOString() }), 1000);
 *   stream.signal.addEventListener('abort', () => clearInterval(timer));
 * }));
 * ```
 */
export function sse<TEvents extends object, TContext extends ExtendableContext = Context>(
  options: KoaSseOptions<TEvents, TContext>,
): KoaSseMiddleware<TContext>;
export function sse<TEvents extends object = Record<string, unknown>, TContext extends ExtendableContext = Context>(
  handler: KoaStreamHandler<TEvents, TContext>,
  options?: KoaStreamOptions,
): KoaSseMiddleware<TContext>;
export function sse<TEvents extends object, TContext extends ExtendableContext>(
  first: KoaSseOptions<TEvents, TContext> | KoaStreamHandler<TEvents, TContext>,
  options: KoaStreamOptions = {},
): KoaSseMiddleware<TContext> {
  return typeof first === 'function' ? handDriven(first, options) : subscribing(first);
}

function subscribing<TEvents extends object, TContext extends ExtendableContext>(
  options: KoaSseOptions<TEvents, TContext>,
): KoaSseMiddleware<TContext> {
  const { hub, path } = options;
  return async (ctx, next) => {
    if (!isStreamRequest(ctx, path)) {
      await next();
      return;
    }
    let stream: SseStream<TEvents>;
    try {
      stream = await startStream(hub, ctx.req, ctx.res, nodeOptions(options, ctx));
    } catch (err) {
      throw forKoa(err);
    }
    ctx.respond = false;
    ctx.sse = stream as SseStream;
  };
}

function handDriven<TEvents extends object, TContext extends ExtendableContext>(
  handler: KoaStreamHandler<TEvents, TContext>,
  options: KoaStreamOptions,
): KoaSseMiddleware<TContext> {
  const { path, ...streamOptions } = options;
  return async (ctx, next) => {
    if (!isStreamRequest(ctx, path)) {
      await next();
      return;
    }
    let stream: SseStream<TEvents>;
    try {
      stream = openStream<TEvents>(ctx.req, ctx.res, streamOptions);
    } catch (err) {
      throw forKoa(err);
    }
    ctx.respond = false;
    ctx.sse = stream as SseStream;
    try {
      await handler(stream, ctx);
    } catch (err) {
      void stream.close('server');
      throw err;
    }
  };
}

function isStreamRequest(ctx: ExtendableContext, path: string | undefined): boolean {
  return ctx.method === 'GET' && (path === undefined || ctx.path === path);
}

// The Koa-shaped hooks, seen through the node-shaped ones; built once per connection.
function nodeOptions<TContext extends ExtendableContext>(
  options: Omit<KoaSseOptions<object, TContext>, 'hub'>,
  ctx: TContext,
): SseHandlerOptions {
  const { topics, authorize } = options;
  return {
    retry: options.retry,
    headers: options.headers,
    topics: topics && (() => topics(ctx)),
    authorize: authorize && ((_req, list) => authorize(ctx, list)),
  };
}

// Koa answers an error with its `status`, and shows its message only when `expose` is true
// (http-errors' convention: 4xx are the client's to read, 5xx stay private).
function forKoa(err: unknown): unknown {
  if (err instanceof SsekitError && !('expose' in err)) Object.assign(err, { expose: err.status < 500 });
  return err;
}
