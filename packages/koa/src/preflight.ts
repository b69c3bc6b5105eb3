import { assertCorsOptions, preflightAnswer } from '@ssekit/core';
import type { CorsOptions } from '@ssekit/core';
import { writeAnswer } from '@ssekit/node';
import type { Context, ExtendableContext } from 'koa';
import type { KoaSseMiddleware } from './options.js';

/**
 * Answers CORS preflights (`OPTIONS`) for a stream route: `204` with the allowed origin, method
 * `GET`, the allowed request headers and `Access-Control-Max-Age`, or `403` with `{ "error" }`
 * for an origin not allowed. A router only hands `OPTIONS` to routes declared for it, so mount it
 * beside the stream with the same `cors` (`app.use(sse({ hub, path, cors }))` answers preflights
 * to its `path` itself).
 *
 * @example
 * ```ts
 * const cors = { origins: ['https://app.example.com'], credentials: true };
 * router.get('/events', sse({ hub, cors }));
 * router.options('/events', ssePreflight(cors));
 * ```
 * @param cors - the stream's CORS options.
 * @throws SsekitError `invalid_option` for bad options, at once.
 */
export function ssePreflight<TContext extends ExtendableContext = Context>(
  cors: CorsOptions,
): KoaSseMiddleware<TContext> {
  assertCorsOptions(cors);
  return (ctx) => {
    writeAnswer(ctx.req, ctx.res, preflightAnswer(cors, ctx.get('origin') || undefined));
    ctx.respond = false;
    return Promise.resolve();
  };
}
