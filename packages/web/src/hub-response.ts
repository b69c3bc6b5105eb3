import {
  SsekitError,
  assertLimitRetry,
  assertTopic,
  isSsekitError,
  limitRetryDelay,
  parseLastEventId,
  retryLaterBody,
} from '@ssekit/core';
import type { Sink, SseStreamControl } from '@ssekit/core';
import { corsHeadersFor } from './cors.js';
import { withHeaders } from './error-response.js';
import { sseHeaders } from './headers.js';
import type { HubResponseOptions } from './options.js';
import { lastEventIdFromRequest, requestUrl, topicsFromRequest } from './request.js';
import { sseBody } from './sse-body.js';

const utf8 = new TextEncoder();

/** What the body holds when the retry answer replaced the stream: nothing left to drive. */
const ANSWERED: SseStreamControl = { drained: () => undefined, close: () => Promise.resolve() };

/** The hub form of `sseResponse`. */
export function hubResponse<TEvents extends object>(request: Request, options: HubResponseOptions<TEvents>): Response {
  const cors = corsHeadersFor(request, options.cors);
  try {
    return subscribed(request, options, cors);
  } catch (err) {
    // A refusal the page can read, with what it needs to come back.
    throw withHeaders(err, cors);
  }
}

function subscribed<TEvents extends object>(
  request: Request,
  options: HubResponseOptions<TEvents>,
  cors: Record<string, string>,
): Response {
  const url = requestUrl(request);
  const topics = options.topics ?? topicsFromRequest(request, url);
  if (topics.length === 0) throw new SsekitError('forbidden', 'ssekit: no topic of this request may be received.');
  for (const topic of topics) assertTopic(topic);
  const lastEventId =
    options.lastEventId === undefined ? lastEventIdFromRequest(request, url) : parseLastEventId(options.lastEventId);
  if (options.limitRetryMs !== undefined) assertLimitRetry(options.limitRetryMs);
  const headers = sseHeaders(options.headers);
  for (const [name, value] of Object.entries(cors)) headers.set(name, value);
  const { hub, clientKey, retry } = options;
  if (hub.closed) throw new SsekitError('closed', 'ssekit: the server is shutting down; reconnect later.');
  const signal = options.signal ?? request.signal;
  const subscribe = (sink: Sink): SseStreamControl =>
    hub.subscribe(sink, { topics, lastEventId, retry, signal, clientKey });
  // A 429 must be known before the Response exists, so the stream subscribes now; HEAD never reads.
  if (options.limitResponse === 429 && request.method !== 'HEAD') {
    try {
      const body = sseBody(subscribe, { highWaterMark: options.highWaterMark, start: 'now' });
      return new Response(body, { status: 200, headers });
    } catch (err) {
      if (isSsekitError(err, 'too_many_connections')) {
        withHeaders(err, { 'retry-after': String(Math.ceil(limitRetryDelay(options.limitRetryMs) / 1000)) });
      }
      throw err;
    }
  }
  const body = sseBody((sink) => {
    try {
      return subscribe(sink);
    } catch (err) {
      if (!isSsekitError(err, 'too_many_connections')) throw err;
      // The 200 already left: the body becomes the answer EventSource honours.
      sink.write(utf8.encode(retryLaterBody(limitRetryDelay(options.limitRetryMs))));
      void sink.end('server');
      return ANSWERED;
    }
  }, options);
  return new Response(body, { status: 200, headers });
}
