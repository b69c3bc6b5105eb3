import { createAdmission } from '@ssekit/core';
import type { SseStream } from '@ssekit/core';
import { serveStream } from '@ssekit/node';
import type { ExtendableContext } from 'koa';
import { answerLate, chainReturnedEarly, forKoa, holdKoa, streamsHere } from './koa-context.js';
import type { KoaSseMiddleware, KoaSseOptions } from './options.js';
import { assertPath } from './path.js';

/** The middleware of `sse({ hub, ...options })`; the options are checked here, once. */
export function subscribing<TEvents extends object, TContext extends ExtendableContext>(
  options: KoaSseOptions<TEvents, TContext>,
): KoaSseMiddleware<TContext> {
  const admission = createAdmission(options, {
    factory: 'sse()',
    ownKeys: ['path'],
    // `ctx.ip` is '' when the socket has no address left.
    defaultClientKey: (ctx) => ctx.ip || undefined,
  });
  const { path } = options;
  assertPath(path);
  const cors = options.cors !== undefined;
  return async (ctx, next) => {
    if (!streamsHere(ctx, path, cors)) {
      await next();
      return;
    }
    const hold = holdKoa(ctx);
    let stream: SseStream<TEvents> | undefined;
    try {
      stream = await serveStream(admission, ctx, ctx.req, ctx.res);
    } catch (err) {
      if (hold.release(true)) {
        answerLate(ctx, err);
        return;
      }
      throw forKoa(err);
    }
    // The stream (or the answer written instead) owns the response: Koa stays out.
    if (hold.release(false)) ctx.app.emit('error', chainReturnedEarly(), ctx);
    if (stream !== undefined) ctx.sse = stream as SseStream;
  };
}
