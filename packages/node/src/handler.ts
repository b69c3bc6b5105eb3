import type { Hub, Subscription } from '@ssekit/core';
import { SsekitError, assertTopic, isSsekitError } from '@ssekit/core';
import { sseHeaders } from './headers.js';
import type { NodeRequest } from './headers.js';
import { bindNodeResponse, flushHeaders, nodeSink, setNoDelay } from './node-sink.js';
import type { NodeResponse } from './node-sink.js';
import { checkRetry, lastEventIdOf, requestUrl, topicsFromQuery } from './request.js';
import type { TopicResolver } from './request.js';

/** Options of {@link startStream} and {@link createSseHandler}. */
export interface SseHandlerOptions {
  /**
   * Resolves a request to its topics; may throw an `SsekitError` (or any error with a
   * `status`) to refuse it before any byte is sent.
   * @default every `?topic=` parameter, or `['default']`
   */
  topics?: TopicResolver;
  /**
   * Checks the request and its topics before the stream starts; returns the topics it may
   * receive (a subset), or throws (`SsekitError('forbidden')` answers 403).
   * @default allows every topic
   */
  authorize?: (req: NodeRequest, topics: readonly string[]) => readonly string[] | Promise<readonly string[]>;
  /** The `retry:` hint, ms (a non-negative integer). @default the hub's */
  retry?: number;
  /** More response headers (CORS, for instance). */
  headers?: Record<string, string>;
}

/**
 * Turns one request into a hub subscription: resolves and authorizes its topics, checks its
 * `Last-Event-ID`, then writes the headers and subscribes (the `retry:` hint leaves at once).
 *
 * Everything that can refuse the request runs before the first byte, so a rejection is a plain
 * HTTP error the caller (or its framework) answers.
 *
 * @param hub - the hub to subscribe to.
 * @param req - the request.
 * @param res - its response, not started yet.
 * @param options - topics, authorization, retry, extra headers.
 * @returns the subscription; its `signal` aborts when the stream ends.
 * @throws SsekitError `invalid_topic`, `invalid_last_event_id`, `forbidden`, `closed`,
 * `headers_sent` or `invalid_option` (a bad `retry`), before anything was written.
 */
export async function startStream<TEvents extends object>(
  hub: Hub<TEvents>,
  req: NodeRequest,
  res: NodeResponse,
  options: SseHandlerOptions = {},
): Promise<Subscription<TEvents>> {
  const url = requestUrl(req);
  const lastEventId = lastEventIdOf(req, url);
  let topics = await (options.topics ?? topicsFromQuery)(req, url);
  if (options.authorize !== undefined) topics = await options.authorize(req, topics);
  if (topics.length === 0) throw new SsekitError('forbidden', 'ssekit: no topic of this request may be received.');
  // The hub checks these too, but only after the 200 is out; a custom resolver's mistake must
  // still be a plain 400.
  for (const topic of topics) assertTopic(topic);
  if (options.retry !== undefined) checkRetry(options.retry);
  if (res.headersSent) {
    throw new SsekitError(
      'headers_sent',
      'ssekit: the response already started; mount the SSE handler before anything writes.',
    );
  }
  if (hub.closed) throw new SsekitError('closed', 'ssekit: the server is shutting down; reconnect later.');
  res.writeHead(200, sseHeaders(req, options.headers));
  setNoDelay(req);
  const stream = hub.subscribe(nodeSink(res), { topics, lastEventId, retry: options.retry });
  bindNodeResponse(req, res, stream, stream.signal);
  // With no retry hint nothing was written yet; the headers still leave at once.
  flushHeaders(res);
  return stream;
}

/**
 * A request handler for `http.createServer`, `http2.createServer` or
 * `http2.createSecureServer` that subscribes every request to the hub. Refusals are answered
 * with their status and a JSON body `{ "error": message }`.
 *
 * @example
 * ```ts
 * const hub = createHub();
 * http.createServer(createSseHandler(hub)).listen(3000);
 * ```
 */
export function createSseHandler<TEvents extends object>(
  hub: Hub<TEvents>,
  options: SseHandlerOptions = {},
): (req: NodeRequest, res: NodeResponse) => void {
  // Returns void, not a promise: node:http ignores a listener's promise, and lint rules such as
  // `no-misused-promises` would flag `http.createServer(createSseHandler(hub))` otherwise.
  return (req, res) => {
    startStream(hub, req, res, options).catch((err: unknown) => {
      sendError(res, err);
    });
  };
}

/**
 * Answers a request with an error's status and `{ "error": message }`, unless the response
 * already started (then it is ended).
 * @param res - the response.
 * @param err - an `SsekitError`, an error with a numeric `status`, or anything (500).
 */
export function sendError(res: NodeResponse, err: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const status = statusOf(err);
  // 5xx messages may carry internals; `closed` is ssekit's own and tells the client what to do.
  const exposed = status < 500 || isSsekitError(err, 'closed');
  const message = err instanceof Error && exposed ? err.message : 'ssekit: internal error';
  const body = JSON.stringify({ error: message });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** The HTTP status an error stands for: its numeric `status`, or 500. */
export function statusOf(err: unknown): number {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}
