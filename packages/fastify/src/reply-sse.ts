import { SsekitError, isSsekitError } from '@ssekit/core';
import type { Hub, SseStream, Subscription } from '@ssekit/core';
import { lastEventIdOf, openStream, requestUrl, sendRetryLater, startStream, statusOf } from '@ssekit/node';
import type { SseHandlerOptions } from '@ssekit/node';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SseDrive, SseRouteOptions, SseStreamOptions } from './options.js';

/** The stream each reply became, so `reply.sse()` on an `{ sse }` route returns it. */
const opened = new WeakMap<FastifyReply, SseStream<object>>();

/** The stream `reply` already became, if any. */
export function openedStream(reply: FastifyReply): SseStream<object> | undefined {
  return opened.get(reply);
}

function assertNotStarted(reply: FastifyReply): void {
  if (reply.sent || reply.raw.headersSent) {
    throw new SsekitError(
      'headers_sent',
      'ssekit: this reply was already sent or hijacked; call reply.sse() once, before anything else answers.',
    );
  }
}

/**
 * Steps Fastify out: it ignores the handler's outcome from now on. Called in the same microtask
 * as the first bytes, so Fastify (which only looks at the reply again when the handler settles,
 * or from a timer) never sees a started reply it still thinks it owns.
 */
function hijack(reply: FastifyReply, stream: SseStream<object>, live: Set<SseStream<object>>): void {
  reply.hijack();
  opened.set(reply, stream);
  // A client that left during admission ends the stream as soon as it is bound.
  if (stream.closed) return;
  live.add(stream);
  stream.signal.addEventListener('abort', () => live.delete(stream), { once: true });
}

/** The plugin's options in `@ssekit/node`'s terms: the hooks get Fastify's request. */
function nodeOptions(request: FastifyRequest, options: SseRouteOptions): SseHandlerOptions {
  const { topics, authorize, clientKey } = options;
  return {
    topics: topics === undefined ? undefined : typeof topics === 'function' ? () => topics(request) : () => topics,
    authorize: authorize === undefined ? undefined : (_req, requested) => authorize(request, requested),
    // `request.ip` honours `trustProxy`; the raw socket's address would not.
    clientKey: clientKey === undefined ? () => request.ip : () => clientKey(request),
    retry: options.retry,
    headers: options.headers,
    cors: options.cors,
    limitRetryMs: options.limitRetryMs,
  };
}

/**
 * Subscribes `reply` to `hub`. `startStream` applies CORS, resolves and authorizes the topics,
 * checks the `Last-Event-ID` and lets the hub accept the stream before it writes anything, so a
 * refusal rejects with the reply untouched (its CORS and `Retry-After` headers set on the raw
 * response) and Fastify answers it like any handler error. Over a connection limit with
 * `limitResponse: 'retry'` the reply is hijacked and answered here, then the error rejects all
 * the same: the caller tells by `reply.sent`.
 */
export async function subscribeReply(
  reply: FastifyReply,
  hub: Hub<object>,
  options: SseRouteOptions,
  live: Set<SseStream<object>>,
): Promise<Subscription<object>> {
  assertNotStarted(reply);
  const request = reply.request;
  const streamOptions = nodeOptions(request, options);
  let stream: Subscription<object>;
  try {
    stream = await startStream(hub, request.raw, reply.raw, streamOptions);
  } catch (err) {
    if (isSsekitError(err, 'too_many_connections') && options.limitResponse !== 429 && !reply.raw.headersSent) {
      reply.hijack();
      sendRetryLater(request.raw, reply.raw, streamOptions);
    } else if (options.onError !== undefined && statusOf(err) >= 500) {
      report(options.onError, err, request);
    }
    throw err;
  }
  hijack(reply, stream, live);
  return stream;
}

function report(onError: (err: unknown, request: FastifyRequest) => void, err: unknown, request: FastifyRequest): void {
  try {
    onError(err, request);
  } catch {
    // The error still reaches Fastify's error handler: a failing reporter must not swallow it.
  }
}

/** Opens a hand-driven stream on `reply` and hands it to `drive`. */
export function openReply(
  reply: FastifyReply,
  drive: SseDrive<object>,
  options: SseStreamOptions | undefined,
  live: Set<SseStream<object>>,
): SseStream<object> {
  assertNotStarted(reply);
  const raw = reply.request.raw;
  // Checked first: a malformed one is a 400, as on a hub stream.
  const lastEventId = lastEventIdOf(raw, requestUrl(raw));
  const stream = openStream(raw, reply.raw, options);
  hijack(reply, stream, live);
  try {
    const running = drive(stream, lastEventId);
    if (running instanceof Promise) {
      running.catch((err: unknown) => {
        failAfterStart(reply, stream, err);
      });
    }
  } catch (err) {
    failAfterStart(reply, stream, err);
  }
  return stream;
}

/**
 * An error once bytes are on the wire cannot change the status any more: it is logged with the
 * request's logger and the stream ends, so the client reconnects.
 */
export function failAfterStart(reply: FastifyReply, stream: SseStream<object>, err: unknown): void {
  reply.log.error({ err }, 'ssekit: the handler failed after the event stream started; the stream was ended');
  void stream.close('server');
}
