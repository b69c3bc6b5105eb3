import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';

/** A request from `node:http` or the `node:http2` compatibility API. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;

/**
 * The response headers of an event stream.
 *
 * - `Cache-Control: no-cache, no-transform`: no cache may store it, and no proxy or compression
 *   middleware may re-encode it (Express's `compression` skips `no-transform` responses).
 * - `X-Accel-Buffering: no`: nginx passes each event on instead of buffering the response.
 * - `Connection: keep-alive` on HTTP/1.1 only: HTTP/2 forbids connection-specific headers.
 *
 * @param request - the request, to tell HTTP/1.1 from HTTP/2.
 * @param extra - more headers (CORS, for instance); they may not override the ones above, and
 *   hop-by-hop ones (`Connection`, `Keep-Alive`, `Transfer-Encoding`, `Upgrade`) are left out.
 */
export function sseHeaders(request: NodeRequest, extra?: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (extra !== undefined) {
    // Lower-cased so `Content-Type` cannot slip past as a second header; hop-by-hop names are
    // dropped because HTTP/2 refuses them and HTTP/1.1 streams need keep-alive.
    for (const [name, value] of Object.entries(extra)) {
      const key = name.toLowerCase();
      if (!HOP_BY_HOP.has(key)) headers[key] = value;
    }
  }
  headers['content-type'] = 'text/event-stream; charset=utf-8';
  headers['cache-control'] = 'no-cache, no-transform';
  headers['x-accel-buffering'] = 'no';
  if (request.httpVersionMajor === 1 && request.httpVersionMinor === 1) headers.connection = 'keep-alive';
  return headers;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);
