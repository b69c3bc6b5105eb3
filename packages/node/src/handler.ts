import type { Hub, Sink, Subscription } from '@ssekit/core';
import { SsekitError, assertCorsOptions, assertLimitRetry, assertTopic, isSsekitError } from '@ssekit/core';
import { applyCors, handlePreflight } from './cors.js';
import { sseHeaders } from './headers.js';
import type { NodeRequest } from './headers.js';
import { bindNodeResponse, flushHeaders, nodeSink, setNoDelay } from './node-sink.js';
import type { NodeResponse } from './node-sink.js';
import type { SseHandlerOptions } from './options.js';
import { limitRetryDelay, reportError, sendRefusal } from './refusal.js';
import { checkRetry, lastEventIdOf, requestUrl, topicsFromQuery } from './request.js';

/**
 * Turns one request into a hub subscription: applies CORS, resolves and authorizes its topics,
 * checks its `Last-Event-ID`, then subscribes, and writes the headers with the first bytes (the
 * `retry:` hint leaves at once).
 *
 * Everything that can refuse the request runs before the first byte, so a rejection is a plain
 * HTTP error the caller (or its framework) answers; `sendRefusal` answers it as
 * `createSseHandler` does.
 *
 * @param hub - the hub to subscribe to.
 * @param req - the request.
 * @param res - its response, not started yet.
 * @param options - topics, authorization, CORS, client key, retry, extra headers.
 * @returns the subscription; its `signal` aborts when the stream ends.
 * @throws SsekitError `invalid_topic`, `invalid_last_event_id`, `forbidden`, `closed`,
 * `too_many_connections` (with `Retry-After` set on `res`), `headers_sent` or `invalid_option`
 * (a bad `retry` or `cors`), before anything was written.
 */
export async function startStream<TEvents extends object>(
  hub: Hub<TEvents>,
  req: NodeRequest,
  res: NodeResponse,
  options: SseHandlerOptions = {},
): Promise<Subscription<TEvents>> {
  if (options.cors !== undefined) applyCors(req, res, options.cors);
  const url = requestUrl(req);
  const lastEventId = lastEventIdOf(req, url);
  const topics = await authorizedTopics(req, await (options.topics ?? topicsFromQuery)(req, url), options);
  if (options.retry !== undefined) checkRetry(options.retry);
  if (options.limitRetryMs !== undefined) assertLimitRetry(options.limitRetryMs);
  if (res.headersSent) {
    throw new SsekitError(
      'headers_sent',
      'ssekit: the response already started; mount the SSE handler before anything writes.',
    );
  }
  if (hub.closed) throw new SsekitError('closed', 'ssekit: the server is shutting down; reconnect later.');
  const head = deferredHead(req, res, options.headers);
  let stream: Subscription<TEvents>;
  try {
    const clientKey = options.clientKey === undefined ? remoteAddress(req) : options.clientKey(req);
    stream = hub.subscribe(head.sink, { topics, lastEventId, retry: options.retry, clientKey });
  } catch (err) {
    // The hub refused before writing: the response is untouched and can still be any answer.
    if (isSsekitError(err, 'too_many_connections')) {
      res.setHeader('retry-after', String(Math.ceil(limitRetryDelay(options) / 1000)));
    }
    throw err;
  }
  head.send();
  const unbind = bindNodeResponse(req, res, stream);
  // The sink's end removes the listeners; a stream that ended already did before they existed.
  if (stream.closed) unbind();
  else head.unbind = unbind;
  // With no retry hint nothing was written yet; the headers still leave at once.
  flushHeaders(res);
  return stream;
}

/**
 * The requested topics `authorize` allows, in the order asked. Every topic is checked, including
 * the ones `authorize` returns: the hub would only see them after the 200.
 */
async function authorizedTopics(
  req: NodeRequest,
  requested: readonly string[],
  options: SseHandlerOptions,
): Promise<readonly string[]> {
  for (const topic of requested) assertTopic(topic);
  let topics = requested;
  if (options.authorize !== undefined) {
    const allowed = await options.authorize(req, requested);
    for (const topic of allowed) assertTopic(topic);
    const set = new Set(allowed);
    topics = requested.filter((topic) => set.has(topic));
  }
  if (topics.length === 0) throw new SsekitError('forbidden', 'ssekit: no topic of this request may be received.');
  return topics;
}

function remoteAddress(req: NodeRequest): string | undefined {
  // A request whose connection is already gone may have no socket left.
  return (req.socket as typeof req.socket | null)?.remoteAddress;
}

/**
 * A sink that writes the `200` and its headers just before its first byte (or its end), so a hub
 * that refuses the subscription (a connection limit) leaves the response free for a refusal.
 */
function deferredHead(
  req: NodeRequest,
  res: NodeResponse,
  extra: Record<string, string> | undefined,
): { sink: Sink; send: () => void; unbind: (() => void) | undefined } {
  const sink = nodeSink(res);
  let sent = false;
  const send = (): void => {
    if (sent) return;
    sent = true;
    res.writeHead(200, sseHeaders(req, extra));
    setNoDelay(req);
  };
  const head: { sink: Sink; send: () => void; unbind: (() => void) | undefined } = {
    send,
    unbind: undefined,
    sink: {
      write(chunk) {
        send();
        return sink.write(chunk);
      },
      end(reason) {
        head.unbind?.();
        head.unbind = undefined;
        try {
          send();
        } catch {
          // A response whose peer is gone may refuse headers; it is ending either way.
        }
        return sink.end(reason);
      },
    },
  };
  return head;
}

/**
 * A request handler for `http.createServer`, `http2.createServer` or
 * `http2.createSecureServer` that subscribes every request to the hub. Refusals are answered
 * with their status and a JSON body `{ "error": message }`; a request over a connection limit
 * as `limitResponse` says; with `cors`, `OPTIONS` requests get the preflight answer.
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
  // Mistakes in the options throw here, not as a 500 on every request.
  if (options.cors !== undefined) assertCorsOptions(options.cors);
  if (options.limitRetryMs !== undefined) assertLimitRetry(options.limitRetryMs);
  // Returns void, not a promise: node:http ignores a listener's promise, and lint rules such as
  // `no-misused-promises` would flag `http.createServer(createSseHandler(hub))` otherwise.
  return (req, res) => {
    if (options.cors !== undefined && req.method === 'OPTIONS') {
      handlePreflight(req, res, options.cors);
      return;
    }
    startStream(hub, req, res, options)
      .catch((err: unknown) => {
        sendRefusal(req, res, err, options);
      })
      .catch((failure: unknown) => {
        // Answering failed too (the peer vanished mid-answer): never an unhandled rejection.
        reportError(failure, req, options.onError);
        (res as { destroy(): unknown }).destroy();
      });
  };
}
