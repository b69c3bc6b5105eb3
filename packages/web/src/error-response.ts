/**
 * The HTTP status an error stands for: its numeric `status` (an `SsekitError` has one), or 500.
 * @param err - anything thrown.
 */
export function statusOf(err: unknown): number {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}

/**
 * Turns an error thrown by `sseResponse` (or anything else) into a JSON answer
 * `{ "error": message }` with the error's status. Messages of 5xx errors are not shown: they
 * may hold internals.
 *
 * @example Hono
 * ```ts
 * app.onError((err) => errorResponse(err));
 * ```
 * @param err - an `SsekitError`, an error with a numeric `status`, or anything (500).
 */
export function errorResponse(err: unknown): Response {
  const status = statusOf(err);
  const message = err instanceof Error && status < 500 ? err.message : 'ssekit: internal error';
  return new Response(JSON.stringify({ error: message }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}
