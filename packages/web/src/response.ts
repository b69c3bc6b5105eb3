import {
  SsekitError,
  assertOpenStreamOptions,
  checkCors,
  forbiddenOrigin,
  openStream,
  withHeaders,
} from '@ssekit/core';
import { sseHeaders } from './headers.js';
import { admissionOf, hubResponse } from './hub-response.js';
import type { HubResponseOptions, SseStreamHandler, StreamResponseOptions } from './options.js';
import { sseBody } from './sse-body.js';

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
 * bad option; TypeError for an invalid header in `headers`.
 */
export function sseResponse<TEvents extends object = Record<string, unknown>>(
  request: Request,
  handler: SseStreamHandler<TEvents>,
  options?: StreamResponseOptions,
): Response;
/**
 * A `Response` streaming a hub subscription to one client, for Fetch-standard handlers (Hono,
 * Bun, Deno, Next.js route handlers, workers). `sseHandler(options)` makes a whole handler that
 * also answers refusals; this is the step inside it, for routers that answer refusals themselves.
 *
 * Everything that can refuse the request (an origin `cors` does not allow, the topics,
 * `authorize`, `Last-Event-ID`, a closed hub) rejects with an `SsekitError` (or the hook's own
 * error) before the `Response` exists; `errorResponse(err)` answers it. The subscription starts
 * when the runtime first reads the body, and its `retry:` hint answers that read: a client that
 * has the hint is subscribed. Over the hub's connection limits the answer is what
 * `limitResponse` says. The client going away (the body cancelled, or `request.signal` aborted)
 * ends it. The options are checked on first use of the options object: pass one made once.
 *
 * @example
 * ```ts
 * const events = { hub };
 * app.get('/events', (c) => sseResponse(c.req.raw, events));
 * ```
 * @throws (rejects with) SsekitError `invalid_topic`, `invalid_last_event_id` (400),
 * `unauthorized` (401), `forbidden` (403), `too_many_connections` (429, with
 * `limitResponse: 429`), `closed` (503), each with the CORS headers (and `Retry-After`) in
 * `err.headers`; `invalid_option` for a bad option.
 */
export function sseResponse<TEvents extends object>(
  request: Request,
  options: HubResponseOptions<TEvents>,
): Promise<Response>;
export function sseResponse<TEvents extends object>(
  request: Request,
  second: HubResponseOptions<TEvents> | SseStreamHandler<TEvents>,
  third: StreamResponseOptions = {},
): Response | Promise<Response> {
  if (typeof second === 'function') return handDriven(request, second, third);
  if (typeof second !== 'object' || (second as object | null) === null) {
    throw new SsekitError(
      'invalid_option',
      'ssekit: sseResponse(request, options) takes { hub } to subscribe to a hub, or a function (stream) to drive a stream by hand.',
    );
  }
  return hubResponse(admissionOf(second, { factory: 'sseResponse()' }), request, second);
}

function handDriven<TEvents extends object>(
  request: Request,
  handler: SseStreamHandler<TEvents>,
  options: StreamResponseOptions,
): Response {
  assertOpenStreamOptions(options, 'sseResponse(request, handler, options)', [
    'headers',
    'cors',
    'onError',
    'highWaterMark',
  ]);
  const { headers: extra, cors, onError = (error: unknown) => console.error(error), highWaterMark, ...rest } = options;
  const headers = sseHeaders(extra);
  if (cors !== undefined) {
    const check = checkCors(cors, request.headers.get('origin') ?? undefined);
    if (!check.allowed) throw withHeaders(forbiddenOrigin(), check.headers);
    for (const [name, value] of Object.entries(check.headers)) headers.set(name, value);
  }
  // A HEAD answer has no body; some runtimes read one anyway, which would start the handler.
  if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
  const streamOptions = { ...rest, signal: rest.signal ?? request.signal };
  const body = sseBody(
    (sink) => {
      const stream = openStream<TEvents>(sink, streamOptions);
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
    },
    { highWaterMark },
  );
  return new Response(body, { status: 200, headers });
}
