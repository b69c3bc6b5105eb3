import { SsekitError, isSsekitError } from '@ssekit/core';
import type { Sink, SseStreamControl } from '@ssekit/core';

/**
 * Bytes a body's queue holds before the sink reports backpressure: core's coalescing unit and
 * replay batch size, and Node 22's default stream high-water mark.
 */
const DEFAULT_HIGH_WATER_MARK = 64 * 1024;

/** Options of {@link sseBody}. */
export interface SseBodyOptions {
  /**
   * Bytes the body's queue may hold before `write()` returns `false` and the stream keeps further
   * events in its own bounded backlog (where the slow-client budget and policy apply). The
   * runtime's socket buffers come on top.
   * @default 65536
   */
  highWaterMark?: number;
  /**
   * When `open` runs: on the runtime's first read of the body (`'read'`), or before `sseBody`
   * returns (`'now'`), so that what it throws (a connection limit) is thrown by `sseBody` and can
   * still become an error answer. What is written before the first read waits in the body's
   * queue, under the same backpressure.
   * @default 'read'
   */
  start?: 'read' | 'now';
}

/**
 * Makes a `ReadableStream` body whose reader drives an ssekit stream: the {@link Sink} under
 * the stream enqueues into the body, and the body's pull and cancel report back to it.
 *
 * - **Nothing happens before the body is read.** `open` runs on the runtime's first read, so
 *   a `Response` that is built and then dropped (Hono answers `HEAD` by keeping a `GET`
 *   response's headers only) never subscribes. Whatever `open` writes (the `retry:` hint,
 *   replayed events) answers that first read at once. (`start: 'now'` runs it at once instead.)
 * - **Backpressure**: the queue counts bytes. A write that leaves the queue at or above
 *   `highWaterMark` returns `false`, so the stream holds further events in its bounded backlog;
 *   the runtime's next read pulls, and the pull calls `drained()`.
 * - **Cancellation**: the runtime cancels the body when the client goes away; that closes the
 *   stream with reason `'client'`, through its single cleanup path. Nothing is enqueued after.
 * - **Ending**: any other ending (eviction, `hub.close()`, `stream.close()`) closes the body;
 *   what is queued still reaches the client, then the response ends.
 *
 * If `open` throws `SsekitError('closed')` (the hub closed before the body was read), the body
 * just ends; any other error errors the body, for the runtime to report.
 *
 * @example
 * ```ts
 * const body = sseBody((sink) => {
 *   const subscription = hub.subscribe(sink, { topics: ['news'], signal: request.signal });
 *   subscription.send({ event: 'welcome', data: 'hi' }); // to this client only
 *   return subscription;
 * });
 * return new Response(body, { headers: sseHeaders() });
 * ```
 *
 * @param open - subscribes the sink to a hub, or opens a stream on it (`openStream`).
 * @param options - the queue's high-water mark, when `open` runs.
 * @throws SsekitError `invalid_option` for a bad `highWaterMark`; with `start: 'now'`, whatever
 * `open` throws.
 */
export function sseBody(
  open: (sink: Sink) => SseStreamControl,
  options: SseBodyOptions = {},
): ReadableStream<Uint8Array> {
  const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  if (!(highWaterMark >= 1) || !Number.isFinite(highWaterMark)) {
    throw new SsekitError('invalid_option', 'ssekit: `highWaterMark` must be a positive number of bytes.');
  }
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let stream: SseStreamControl | undefined;
  // True once the body is closed or cancelled: the controller throws on any later call.
  let done = false;
  // True after a write was answered `false`: the next pull is the drain.
  let blocked = false;
  const gone = (): void => {
    done = true;
    blocked = false;
    void stream?.close('client');
  };
  const sink: Sink = {
    write(chunk) {
      // Only a cancelled body refuses chunks, and cancel() already closed the stream; this
      // guards a runtime that cancels from inside a write.
      if (done) return false;
      try {
        controller.enqueue(chunk);
      } catch {
        gone();
        return false;
      }
      if ((controller.desiredSize ?? 0) > 0) return true;
      blocked = true;
      return false;
    },
    end() {
      if (done) return;
      done = true;
      try {
        controller.close();
      } catch {
        // Cancelled in the meantime: nothing is left to end.
      }
    },
  };
  const begin = (): void => {
    try {
      stream = open(sink);
    } catch (err) {
      done = true;
      if (isSsekitError(err, 'closed')) controller.close();
      else controller.error(err);
    }
  };
  const body: ReadableStream<Uint8Array> = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        if (done) return;
        if (stream === undefined) {
          // The first pull comes right after start(), whether or not anyone reads; a body with
          // a reader is locked.
          if (body.locked) begin();
          return;
        }
        if (!blocked) return;
        blocked = false;
        stream.drained();
      },
      cancel() {
        if (!done) gone();
      },
    },
    // A byte-length strategy, written out so it needs no global beyond ReadableStream.
    { highWaterMark, size: (chunk) => chunk.byteLength },
  );
  if (options.start === 'now') stream = open(sink);
  return body;
}
