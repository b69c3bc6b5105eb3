import { assertCorsOptions, preflightAnswer } from '@ssekit/core';
import type { CorsOptions } from '@ssekit/core';
import { writeAnswer } from '@ssekit/node';
import type { RequestHandler } from 'express';

/**
 * Answers CORS preflights (`OPTIONS`) for a stream route mounted with `app.get` or
 * `router.get`, which never see `OPTIONS`: `204` with the allowed origin, method `GET`, the
 * allowed request headers and `Access-Control-Max-Age`, or `403` with `{ "error" }` for an origin
 * not allowed. Give it the same `cors` as the stream (`app.use(sse({ hub, path, cors }))` answers
 * preflights to its path itself).
 *
 * @example
 * ```ts
 * const cors = { origins: ['https://app.example.com'], credentials: true };
 * app.get('/events', sse({ hub, cors }));
 * app.options('/events', ssePreflight(cors));
 * ```
 * @param cors - the stream's CORS options.
 * @throws SsekitError `invalid_option` for bad options, at once.
 */
export function ssePreflight(cors: CorsOptions): RequestHandler {
  assertCorsOptions(cors);
  return (req, res) => {
    writeAnswer(req, res, preflightAnswer(cors, req.get('origin')));
  };
}
