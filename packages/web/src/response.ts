import { openStream } from '@ssekit/core';
import { corsHeadersFor } from './cors.js';
import { sseHeaders } from './headers.js';
import { hubResponse } from './hub-response.js';
import type { HubResponseOptions, StreamHandler, StreamResponseOptions } from './options.js';
import { sseBody } from './sse-body.js';

/**
 * A `Response` streaming a hub subscription to one client, for Fetch-standard handlers (Hono,
 * Bun, Deno, Next.js route handlers, workers).
 *
 * Everything that can refuse the request (an origin `cors` does not allow, topics,
 * `Last-Event-ID`, a closed hub) throws an `SsekitError` before the `Response` exists; turn it
 * into an answer with `errorResponse`. The subscription starts when the runtime first reads the
 * body, and its `retry:` hint answers that read: a client that has the hint is subscribed. Over
 * the hub's connection limits the answer is what `limitResponse` says. The client going away
 * (the body cancelled, or `request.signal` aborted) ends it.
 *
 * @example
 * ```ts
 * app.get('/events', (c) => sseResponse(c.req.raw, { hub }));
 * ```
 * @throws SsekitError `invalid_topic`, `invalid_last_event_id` (400), `forbidden` (403),
 * `too_many_connections` (429, with `limitResponse: 429`), `closed` (503), each with the CORS
 * headers (and `Retry-After`) in `err.headers`; `invalid_option` for a bad `highWaterMark`,
 * `limitRetryMs` or `cors`.
 */
export function sseResponse<TEvents extends object>(request: Request, options: HubResponseOptions<TEvents>): Response;
/**
 * A `Response` streaming one hand-driven event stream, without a hub: `handler` gets the stream
 * to `send()` on when the runtime starts reading the body, and the stream's `signal` aborts when
 * the client leaves or the stream ends otherwise. A handler that throws or rejects closes the
 * stream (reason `'error'`) and goes to `onError`.
 *
 * @example
 * ```ts
 * return sseResponse(request, (stream) => {
 *   const timer = setInterval(() => stream.send({ data: new Date().toISOString() }), 1000);
 *   stream.signal.addEventListener('abort', () => clearInterval(timer));
 * });
 * ```
 * @throws SsekitError `forbidden` for an origin `cors` does not allow; `invalid_option` for a
 * bad `highWaterMark` or `cors`; TypeError for an invalid
 * header in `headers`.
 */
export function sseResponse<TEvents extends object = Record<string, unknown>>(
  request: Request,
  handler: StreamHandler<TEvents>,
  options?: StreamResponseOptions,
): Response;
export function sseResponse<TEvents extends object>(
  request: Request,
  second: HubResponseOptions<TEvents> | StreamHandler<TEvents>,
  third: StreamResponseOptions = {},
): Response {
  return typeof second === 'function' ? handDriven(request, second, third) : hubResponse(request, second);
}

function handDriven<TEvents extends object>(
  request: Request,
  handler: StreamHandler<TEvents>,
  options: StreamResponseOptions,
): Response {
  const cors = corsHeadersFor(request, options.cors);
  const headers = sseHeaders(options.headers);
  for (const [name, value] of Object.entries(cors)) headers.set(name, value);
  const signal = options.signal ?? request.signal;
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  const body = sseBody((sink) => {
    const stream = openStream<TEvents>(sink, { ...options, signal });
    // A client gone before the first read: a handler would start timers that no abort stops.
    if (stream.closed) return stream;
    const failed = (err: unknown): void => {
      void stream.close('error');
      onError(err);
    };
    try {
      const result = handler(stream);
      if (result instanceof Promise) result.catch(failed);
    } catch (err) {
      failed(err);
    }
    return stream;
  }, options);
  return new Response(body, { status: 200, headers });
}
