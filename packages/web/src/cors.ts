import { preflightAnswer } from '@ssekit/core';
import type { CorsOptions } from '@ssekit/core';
import { answerResponse } from './error-response.js';

/**
 * Answers a CORS preflight (`OPTIONS`) for a stream route: `204` with the allowed origin, method
 * `GET`, the allowed request headers and `Access-Control-Max-Age`, or `403` with `{ "error" }`
 * for an origin not allowed. Give it the same `cors` as the stream (`sseHandler({ hub, cors })`
 * answers preflights itself).
 *
 * @example Hono
 * ```ts
 * const cors = { origins: ['https://app.example.com'], credentials: true };
 * app.get('/events', (c) => sseResponse(c.req.raw, { hub, cors }));
 * app.options('/events', (c) => ssePreflight(c.req.raw, cors));
 * ```
 * @param request - the `OPTIONS` request.
 * @param cors - the stream's CORS options.
 * @throws SsekitError `invalid_option` for bad options.
 */
export function ssePreflight(request: Request, cors: CorsOptions): Response {
  return answerResponse(preflightAnswer(cors, request.headers.get('origin') ?? undefined));
}
