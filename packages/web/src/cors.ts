import { checkCors, checkPreflight, forbiddenOrigin } from '@ssekit/core';
import type { CorsOptions } from '@ssekit/core';
import { errorResponse, withHeaders } from './error-response.js';

function originOf(request: Request): string | undefined {
  return request.headers.get('origin') ?? undefined;
}

/**
 * The CORS headers of a stream request, checked before the `Response` exists.
 * @returns the headers its answer carries (`Vary: Origin`, the `Access-Control-*` ones when the
 * origin is allowed); none without `cors`.
 * @throws SsekitError `forbidden` (403) for an origin not allowed, with `Vary: Origin` in
 * `err.headers`; `invalid_option` for bad options.
 */
export function corsHeadersFor(request: Request, cors: CorsOptions | undefined): Record<string, string> {
  if (cors === undefined) return {};
  const { allowed, headers } = checkCors(cors, originOf(request));
  if (!allowed) throw withHeaders(forbiddenOrigin(), headers);
  return headers;
}

/**
 * Answers a CORS preflight (`OPTIONS`) for a stream route: `204` with the allowed origin, method
 * `GET`, the allowed request headers and `Access-Control-Max-Age`, or `403` with `{ "error" }`
 * for an origin not allowed. Give it the same `cors` as the stream.
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
  const { allowed, headers } = checkPreflight(cors, originOf(request));
  if (!allowed) return errorResponse(withHeaders(forbiddenOrigin(), headers));
  return new Response(null, { status: 204, headers });
}
