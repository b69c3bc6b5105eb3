import { refusalAnswer } from '@ssekit/core';
import type { HttpAnswer } from '@ssekit/core';

/**
 * A Fetch `Response` of a complete answer (a refusal, a preflight).
 * @param answer - what to send.
 */
export function answerResponse(answer: HttpAnswer): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    try {
      headers.set(name, value);
    } catch {
      // Not a valid header: the answer goes out without it rather than not at all.
    }
  }
  return new Response(answer.status === 204 ? null : answer.body, { status: answer.status, headers });
}

/**
 * Turns an error thrown by `sseResponse` into a JSON answer `{ "error": message }` with the
 * error's status and the headers in its `headers` (a 429's `Retry-After`, the CORS headers of a
 * refusal). Messages of 5xx errors are not shown: they may hold internals. For ssekit's refusals
 * only: let your framework handle its own errors (see `isSsekitError` in `@ssekit/core`).
 *
 * @example Hono
 * ```ts
 * app.onError((err, c) => {
 *   if (isSsekitError(err)) return errorResponse(err);
 *   console.error(err);
 *   return c.json({ error: 'internal error' }, 500);
 * });
 * ```
 * @param err - an `SsekitError`, an error with a numeric `status`, or anything (500).
 */
export function errorResponse(err: unknown): Response {
  return answerResponse(refusalAnswer(err));
}
