/**
 * The HTTP status an error stands for: its numeric `status` (an `SsekitError` has one), or 500.
 * @param err - anything thrown.
 */
export function statusOf(err: unknown): number {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}

/** The error's `headers` (http-errors' convention), when it has a record of strings there. */
function headersOf(err: unknown): Record<string, string> {
  const headers = (err as { headers?: unknown } | null)?.headers;
  if (typeof headers !== 'object' || headers === null) return {};
  return Object.fromEntries(
    Object.entries(headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/**
 * Adds headers to an error's `headers` (http-errors' convention), for the answer made of it:
 * `Retry-After`, or the CORS headers a page needs to read a refusal. Its own win.
 * @internal
 */
export function withHeaders(err: unknown, headers: Record<string, string> | undefined): unknown {
  if (headers === undefined || typeof err !== 'object' || err === null || !Object.isExtensible(err)) return err;
  Object.assign(err, { headers: { ...headers, ...headersOf(err) } });
  return err;
}

/**
 * Turns an error thrown by `sseResponse` (or anything else) into a JSON answer
 * `{ "error": message }` with the error's status, and the headers in its `headers` (a 429's
 * `Retry-After`, the CORS headers of a refusal). Messages of 5xx errors are not shown: they may
 * hold internals.
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
  const headers = new Headers();
  for (const [name, value] of Object.entries(headersOf(err))) {
    try {
      headers.set(name, value);
    } catch {
      // Not a valid header: the answer goes out without it rather than not at all.
    }
  }
  headers.set('content-type', 'application/json; charset=utf-8');
  return new Response(JSON.stringify({ error: message }), { status, headers });
}
