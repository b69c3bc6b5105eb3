/**
 * The response headers of an event stream, as a Fetch `Headers`.
 *
 * - `Content-Type: text/event-stream; charset=utf-8`: the only type `EventSource` accepts.
 * - `Cache-Control: no-cache, no-transform`: no cache may store it, and no proxy or compression
 *   layer may re-encode it (a compressor holds bytes back until its window fills).
 * - `X-Accel-Buffering: no`: nginx passes each event on instead of buffering the response.
 *
 * No hop-by-hop header (`Connection`, `Keep-Alive`, `Transfer-Encoding`): the runtime owns the
 * connection, HTTP/2 and HTTP/3 forbid them, and some runtimes refuse a `Response` carrying them.
 * On Node's HTTP/1.1 server, `node:http` adds `Connection: keep-alive` itself for clients that
 * asked for it.
 *
 * @param extra - more headers (CORS, for instance); they may not override the three above.
 * @throws TypeError from `Headers` for a name or value that is not a valid header.
 */
export function sseHeaders(extra?: HeadersInit): Headers {
  const headers = new Headers(extra);
  headers.set('content-type', 'text/event-stream; charset=utf-8');
  headers.set('cache-control', 'no-cache, no-transform');
  headers.set('x-accel-buffering', 'no');
  return headers;
}
