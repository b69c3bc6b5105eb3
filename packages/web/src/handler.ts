import { isStreamRequest } from '@ssekit/core';
import { errorResponse } from './error-response.js';
import { serveOnNode } from './node-host.js';
import type { NodeBindings } from './node-host.js';
import { admissionOf, hubResponse } from './hub-response.js';
import type { HubResponseOptions } from './options.js';
import { webView } from './request.js';

/**
 * Makes a Fetch handler that answers every request itself: a `GET` becomes a hub
 * subscription, a refusal a JSON answer `{ "error": message }` with its status and headers, an
 * `OPTIONS` the preflight answer (with `cors`), any other method a `405`. The options are
 * checked now: a bad value or an unknown key throws `SsekitError('invalid_option')`, before any
 * request.
 *
 * On `@hono/node-server`, pass Hono's `c.env` (Node's request and response) as `bindings`: the
 * stream is then served on Node's own response through `@ssekit/node` (install it beside this
 * package), the fastest path on Node; everywhere else, and without it, as a Web stream.
 *
 * @example Hono
 * ```ts
 * const events = sseHandler({ hub, authorize: (request, topics) => topics });
 * app.on(['GET', 'OPTIONS'], '/events', (c) => events(c.req.raw, c.env));
 * ```
 * @throws SsekitError `invalid_option`.
 */
export function sseHandler<TEvents extends object>(
  options: HubResponseOptions<TEvents>,
): (request: Request, bindings?: NodeBindings) => Promise<Response> {
  const admission = admissionOf(options, { factory: 'sseHandler()', defaultOnError: logFailure });
  const cors = options.cors !== undefined;
  // The options only a Web stream honours keep it on the Web path.
  const nodeFit = options.lastEventId === undefined && options.signal === undefined;
  return async (request, bindings) => {
    if (!isStreamRequest(webView(request), { routed: true, cors })) {
      return Response.json(
        { error: 'ssekit: this URL serves an event stream; use GET.' },
        { status: 405, headers: { allow: cors ? 'GET, HEAD, OPTIONS' : 'GET, HEAD' } },
      );
    }
    try {
      const onNode = nodeFit ? await serveOnNode(admission, request, bindings) : undefined;
      return onNode ?? (await hubResponse(admission, request, options));
    } catch (err) {
      return errorResponse(err);
    }
  };
}

function logFailure(err: unknown, request: Request): void {
  // The URL goes in as a value, not spliced into the text: it may hold line breaks (log injection).
  console.error('ssekit: a stream request failed', { method: request.method, url: request.url }, err);
}
