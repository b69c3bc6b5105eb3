import { SsekitError, assertTopic, createStream, parseLastEventId } from '@ssekit/core';
import type { SseStream } from '@ssekit/core';
import { sseHeaders } from './headers.js';
import type { HubResponseOptions, StreamHandler, StreamResponseOptions } from './options.js';
import { lastEventIdFromRequest, requestUrl, topicsFromRequest } from './request.js';
import { sseBody } from './sse-body.js';

/**
 * A `Response` streaming a hub subscription to one client, for Fetch-standard handlers (Hono,
 * Bun, Deno, Next.js route handlers, workers).
 *
 * Everything that can refuse the request (topics, `Last-Event-ID`, a closed hub) throws an
 * `SsekitError` before the `Response` exists; turn it into an answer with `errorResponse`. The
 * subscription starts when the runtime first reads the body, and its `retry:` hint answers that
 * read: a client that has the hint is subscribed. The client going away (the body cancelled, or
 * `request.signal` aborted) ends it.
 *
 * @example
 * ```ts
 * app.get('/events', (c) => sseResponse(c.req.raw, { hub }));
 * ```
 * @throws SsekitError `invalid_topic`, `invalid_last_event_id` (400), `forbidden` (403),
 * `closed` (503); `invalid_option` for a bad `highWaterMark`.
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
 * @throws SsekitError `invalid_option` for a bad `highWaterMark`; TypeError for an invalid
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
  return typeof second === 'function' ? handDriven(request, second, third) : onHub(request, second);
}

function onHub<TEvents extends object>(request: Request, options: HubResponseOptions<TEvents>): Response {
  const url = requestUrl(request);
  const topics = options.topics ?? topicsFromRequest(request, url);
  if (topics.length === 0) throw new SsekitError('forbidden', 'ssekit: no topic of this request may be received.');
  for (const topic of topics) assertTopic(topic);
  const lastEventId =
    options.lastEventId === undefined ? lastEventIdFromRequest(request, url) : parseLastEventId(options.lastEventId);
  const headers = sseHeaders(options.headers);
  const { hub } = options;
  if (hub.closed) throw new SsekitError('closed', 'ssekit: the server is shutting down; reconnect later.');
  const signal = options.signal ?? request.signal;
  const body = sseBody((sink) => hub.subscribe(sink, { topics, lastEventId, retry: options.retry, signal }), options);
  return new Response(body, { status: 200, headers });
}

function handDriven<TEvents extends object>(
  request: Request,
  handler: StreamHandler<TEvents>,
  options: StreamResponseOptions,
): Response {
  const headers = sseHeaders(options.headers);
  const signal = options.signal ?? request.signal;
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  const body = sseBody((sink) => {
    const stream = createStream<TEvents>(sink, options);
    closeOnAbort(signal, stream);
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

/** Ends `stream` with reason `'client'` when `signal` aborts; forgets `signal` when it ends. */
function closeOnAbort(signal: AbortSignal, stream: SseStream<object>): void {
  if (signal.aborted) {
    void stream.close('client');
    return;
  }
  const onAbort = (): void => {
    void stream.close('client');
  };
  signal.addEventListener('abort', onAbort, { once: true });
  stream.signal.addEventListener('abort', () => signal.removeEventListener('abort', onAbort), { once: true });
}
