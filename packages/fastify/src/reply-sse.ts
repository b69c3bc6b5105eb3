import { SsekitError, createAdmission } from '@ssekit/core';
import type { Admission, Hub, SseStream, Subscription } from '@ssekit/core';
import { lastEventIdOf, openStream, serveStream } from '@ssekit/node';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SseRouteOptions, SseStreamHandler, SseStreamOptions } from './options.js';
import { merge } from './options.js';

/** The stream each reply became, so `reply.sse()` on an `{ sse }` route returns it. */
const opened = new WeakMap<FastifyReply, SseStream<object>>();

/** The stream `reply` already became, if any. */
export function openedStream(reply: FastifyReply): SseStream<object> | undefined {
  return opened.get(reply);
}

/** One plugin registration's hub and defaults, and the streams it holds open. */
export class Registration {
  /** Open streams, ended by `app.close()`. */
  readonly live = new Set<SseStream<object>>();
  readonly hub: Hub<object>;
  readonly defaults: SseRouteOptions;
  // One admission per options object, so options given as a constant are checked once.
  readonly #admissions = new WeakMap<object, Admission<object, FastifyRequest>>();
  readonly #base: Admission<object, FastifyRequest> | undefined;

  constructor(hub: Hub<object>, defaults: SseRouteOptions) {
    this.hub = hub;
    this.defaults = defaults;
    this.#base = undefined;
    this.#base = this.admission(undefined, 'app.register(ssekit, options)');
  }

  /**
   * The admission of a route's or a call's options over the plugin's.
   * @throws SsekitError `invalid_option` for a bad value or an unknown key.
   */
  admission(options: SseRouteOptions | undefined, where: string): Admission<object, FastifyRequest> {
    if (options === undefined && this.#base !== undefined) return this.#base;
    const cached = options === undefined ? undefined : this.#admissions.get(options);
    if (cached !== undefined) return cached;
    // Checked alone first, so an unknown key is named where it was written.
    if (options !== undefined) createAdmission(options, { factory: where, needsHub: false }, this.hub);
    const admission = createAdmission(
      merge(this.defaults, options),
      // `request.ip` honours `trustProxy`; the raw socket's address would not.
      { factory: where, needsHub: false, defaultClientKey: (request) => request.ip },
      this.hub,
    );
    if (options !== undefined) this.#admissions.set(options, admission);
    return admission;
  }

  /** Ends every open stream (for `app.close()`). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.live].map((stream) => stream.close('shutdown')));
  }

  /** Steps Fastify out of `reply` for good: it ignores the handler's outcome from now on. */
  hijack(reply: FastifyReply, stream: SseStream<object> | undefined): void {
    reply.hijack();
    if (stream === undefined) return;
    opened.set(reply, stream);
    // A client that left during admission ends the stream as soon as it is bound.
    if (stream.closed) return;
    this.live.add(stream);
    // The response's 'close' rather than `stream.signal`: the signal's AbortController and its
    // listener map would cost an idle stream about 0.9 KiB, a listener on the response a tenth.
    reply.raw.once('close', () => this.live.delete(stream));
  }
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
 * Subscribes `reply` through `admission`. A refusal rejects with the reply untouched (its CORS
 * and `Retry-After` headers set on the raw response), and Fastify answers it like any handler
 * error. Otherwise the reply is hijacked: resolves to the stream, or to `undefined` when the
 * request was answered instead (the retry answer over a connection limit, a `HEAD`).
 */
export async function subscribeReply(
  reply: FastifyReply,
  admission: Admission<object, FastifyRequest>,
  registration: Registration,
): Promise<Subscription<object> | undefined> {
  assertNotStarted(reply);
  const request = reply.request;
  const stream = await serveStream(admission, request, request.raw, reply.raw);
  registration.hijack(reply, stream);
  return stream;
}

/** Opens a hand-driven stream on `reply` and hands it to `handler`. */
export function openReply(
  reply: FastifyReply,
  handler: SseStreamHandler<object>,
  options: SseStreamOptions | undefined,
  registration: Registration,
): SseStream<object> {
  assertNotStarted(reply);
  const raw = reply.request.raw;
  // Checked first: a malformed one is a 400, as on a hub stream.
  const lastEventId = lastEventIdOf(raw);
  const stream = openStream(raw, reply.raw, options);
  registration.hijack(reply, stream);
  try {
    const running = handler(stream, lastEventId);
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
