import { assertOpenStreamOptions } from '@ssekit/core';
import type { SseStream } from '@ssekit/core';
import { openStream } from '@ssekit/node';
import type { ExtendableContext } from 'koa';
import { forKoa, streamsHere } from './koa-context.js';
import type { KoaSseMiddleware, KoaStreamHandler, KoaStreamOptions } from './options.js';
import { assertPath } from './path.js';

/** The middleware of `sse(handler, options)`: a stream without a hub, driven by `handler`. */
export function handDriven<TEvents extends object, TContext extends ExtendableContext>(
  handler: KoaStreamHandler<TEvents, TContext>,
  options: KoaStreamOptions,
): KoaSseMiddleware<TContext> {
  assertOpenStreamOptions(options, 'sse(handler, options)', ['headers', 'path']);
  const { path, ...streamOptions } = options;
  assertPath(path);
  return async (ctx, next) => {
    if (!streamsHere(ctx, path, false)) {
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
      // The stream started: the error cannot be an answer any more. Reported where Koa reports
      // errors, not thrown, so a chain that stopped awaiting cannot turn it into an unhandled
      // rejection.
      void stream.close('server');
      ctx.app.emit('error', err, ctx);
    }
  };
}
