import type { SseStream } from '@ssekit/core';
import { openStream } from '@ssekit/node';
import type { ExtendableContext } from 'koa';
import { forKoa } from './koa-error.js';
import type { KoaSseMiddleware, KoaStreamHandler, KoaStreamOptions } from './options.js';
import { isStreamRequest } from './stream-request.js';

/** The middleware of `sse(handler, options)`: a stream without a hub, driven by `handler`. */
export function handDriven<TEvents extends object, TContext extends ExtendableContext>(
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
      throw forKoa(err, ctx.res);
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
