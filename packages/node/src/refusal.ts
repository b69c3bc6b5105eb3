import { isSsekitError, limitRetryDelay as jitteredDelay, retryLaterBody } from '@ssekit/core';
import { sseHeaders } from './headers.js';
import type { NodeRequest } from './headers.js';
import type { NodeResponse } from './node-sink.js';
import type { SseHandlerOptions } from './options.js';

/**
 * The delay a client over a connection limit is told to wait, ms: `limitRetryMs` plus up to
 * half as much again, at random, so clients turned away together do not all come back together.
 * @param options - the handler's options.
 */
export function limitRetryDelay(options: Pick<SseHandlerOptions, 'limitRetryMs'>): number {
  return jitteredDelay(options.limitRetryMs);
}

/**
 * Tells a client over a connection limit to come back later in the way `EventSource` honours:
 * `200` with the stream headers, a comment, a `retry:` hint of `limitRetryMs` (plus up to half
 * as much again, at random) and the end of the response. The browser reconnects after the hint
 * (a `4xx` would make it stop for good), with its `Last-Event-ID`, so nothing is lost while the
 * replay store holds the gap.
 * @param req - the request.
 * @param res - its response, not started yet.
 * @param options - `limitRetryMs` and the extra `headers` of the stream.
 */
export function sendRetryLater(
  req: NodeRequest,
  res: NodeResponse,
  options: Pick<SseHandlerOptions, 'limitRetryMs' | 'headers'> = {},
): void {
  // Set for the 429 answer; a 200 has no use for it.
  res.removeHeader('retry-after');
  const body = retryLaterBody(limitRetryDelay(options));
  const headers = sseHeaders(req, options.headers);
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(200, headers);
  res.end(body);
}

/**
 * Answers a request whose stream could not start, as `createSseHandler` does: a connection
 * limit with `limitResponse: 'retry'` gets {@link sendRetryLater}; anything else
 * {@link sendError}, after a 5xx was reported to `onError`. Framework adapters call it where they
 * answer refusals themselves.
 * @param req - the request.
 * @param res - its response.
 * @param err - what `startStream` threw.
 * @param options - the handler's options.
 */
export function sendRefusal(req: NodeRequest, res: NodeResponse, err: unknown, options: SseHandlerOptions = {}): void {
  if (isSsekitError(err, 'too_many_connections') && options.limitResponse !== 429 && !res.headersSent) {
    sendRetryLater(req, res, options);
    return;
  }
  if (statusOf(err) >= 500) reportError(err, req, options.onError);
  sendError(res, err);
}

/**
 * Hands a 5xx failure to `onError` (by default `console.error`); a throwing `onError` cannot stop
 * the answer.
 * @param err - the failure.
 * @param req - the request it failed.
 * @param onError - the handler's `onError`.
 */
export function reportError(err: unknown, req: NodeRequest, onError: SseHandlerOptions['onError']): void {
  try {
    // The URL goes in as a value, not spliced into the text: it may hold line breaks (log injection).
    if (onError === undefined)
      console.error('ssekit: a stream request failed', { method: req.method, url: req.url }, err);
    else onError(err, req);
  } catch {
    // The failure is answered below whatever the reporter does.
  }
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
