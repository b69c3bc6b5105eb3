import { assertCorsOptions, assertLimitRetry, isSsekitError } from '@ssekit/core';
import type { SseStream } from '@ssekit/core';
import { handlePreflight, sendRetryLater, startStream, statusOf } from '@ssekit/node';
import type { SseHandlerOptions } from '@ssekit/node';
import type { ExtendableContext } from 'koa';
import { forKoa } from './koa-error.js';
import type { KoaSseMiddleware, KoaSseOptions } from './options.js';
import { isStreamRequest, onPath } from './stream-request.js';

/** The middleware of `sse({ hub, ...options })`; the options are checked here, once. */
export function subscribing<TEvents extends object, TContext extends ExtendableContext>(
  options: KoaSseOptions<TEvents, TContext>,
): KoaSseMiddleware<TContext> {
  const { hub, path, cors, limitResponse, onError } = options;
  if (cors !== undefined) assertCorsOptions(cors);
  if (options.limitRetryMs !== undefined) assertLimitRetry(options.limitRetryMs);
  return async (ctx, next) => {
    if (cors !== undefined && ctx.method === 'OPTIONS' && onPath(ctx, path)) {
      handlePreflight(ctx.req, ctx.res, cors);
      ctx.respond = false;
      return;
    }
    if (!isStreamRequest(ctx, path)) {
      await next();
      return;
    }
    const streamOptions = nodeOptions(options, ctx);
    let stream: SseStream<TEvents>;
    try {
      stream = await startStream(hub, ctx.req, ctx.res, streamOptions);
    } catch (err) {
      if (isSsekitError(err, 'too_many_connections') && limitResponse !== 429 && !ctx.res.headersSent) {
        // Answered in full here: Koa steps out as for a stream.
        sendRetryLater(ctx.req, ctx.res, streamOptions);
        ctx.respond = false;
        return;
      }
      if (onError !== undefined && statusOf(err) >= 500) report(onError, err, ctx);
      throw forKoa(err, ctx.res);
    }
    ctx.respond = false;
    ctx.sse = stream as SseStream;
  };
}

// The Koa-shaped hooks, seen through the node-shaped ones; built once per connection.
function nodeOptions<TContext extends ExtendableContext>(
  options: Omit<KoaSseOptions<object, TContext>, 'hub'>,
  ctx: TContext,
): SseHandlerOptions {
  const { topics, authorize, clientKey } = options;
  return {
    retry: options.retry,
    headers: options.headers,
    cors: options.cors,
    limitRetryMs: options.limitRetryMs,
    topics: topics && (() => topics(ctx)),
    authorize: authorize && ((_req, list) => authorize(ctx, list)),
    // `ctx.ip` is '' when the socket has no address left.
    clientKey: () => (clientKey === undefined ? ctx.ip || undefined : clientKey(ctx)),
  };
}

function report<TContext>(onError: (err: unknown, ctx: TContext) => void, err: unknown, ctx: TContext): void {
  try {
    onError(err, ctx);
  } catch {
    // The error is still thrown to Koa: a failing reporter must not swallow it.
  }
}
