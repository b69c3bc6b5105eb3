/**
 * Where a stream's bytes go: the one thing an adapter implements to put a framework's response
 * under a hub. Three rules keep the hub's guarantees (ordering, bounded memory, one cleanup):
 *
 * 1. {@link Sink.write} is called with complete event blocks, in order, and never again after
 *    {@link Sink.end}. It returns `false` when the transport's buffer is full, exactly like
 *    Node's `writable.write()`: the hub then holds further bytes in its own bounded backlog until
 *    the adapter calls {@link SseStreamControl.drained}. A write that throws ends the stream
 *    with reason `'error'`.
 * 2. {@link Sink.end} is called exactly once, by the stream's single cleanup path, whatever the
 *    reason (client gone, write error, eviction, shutdown, lifetime). It should finish the
 *    response; it may return a promise that settles when the bytes are flushed or the peer is
 *    gone, which `hub.close()` waits for.
 * 3. The adapter tells the stream when the transport drains
 *    ({@link SseStreamControl.drained}) and when the client goes away
 *    ({@link SseStreamControl.close} with `'client'`). It must not wait for a drain without
 *    also watching for close: the stream's `signal` aborts on every ending.
 *
 * @example A sink over a Node `ServerResponse`:
 * ```ts
 * const sink: Sink = {
 *   write: (chunk) => res.write(chunk),
 *   end: () => void res.end(),
 * };
 * const stream = hub.subscribe(sink, { topics: ['news'] });
 * res.on('drain', () => stream.drained());
 * res.on('close', () => stream.close('client'));
 * ```
 */
export interface Sink {
  /**
   * Writes bytes to the client.
   * @param chunk - one or more complete event blocks, UTF-8.
   * @returns `false` when the transport's buffer is full and the hub should wait for a drain.
   */
  write(chunk: Uint8Array): boolean;
  /**
   * Ends the response. Called exactly once.
   * @param reason - why the stream ends, for adapters that answer differently.
   */
  end(reason: CloseReason): void | Promise<void>;
}

/**
 * Why a stream ended.
 * - `client`: the client went away (socket closed, request aborted, body cancelled).
 * - `error`: a write failed.
 * - `evicted`: the slow-client policy (`'disconnect'`) or the write deadline removed it.
 * - `shutdown`: the server is shutting down (`hub.close()`, or an adapter's own shutdown such as
 *   Fastify's `app.close()`).
 * - `lifetime`: the stream reached its maximum lifetime.
 * - `completed`: every topic of the stream completed (its final event was sent).
 * - `server`: the application ended it (`stream.close()`, whose default reason this is).
 */
export type CloseReason = 'client' | 'error' | 'evicted' | 'shutdown' | 'lifetime' | 'server' | 'completed';

/** What an adapter calls on a stream to report the transport's state. */
export interface SseStreamControl {
  /** The transport drained after a `write()` returned `false`: the stream writes its backlog. */
  drained(): void;
  /**
   * Ends the stream through its single cleanup path; later calls do nothing.
   * @param reason - why; `'client'` when the peer went away.
   * @returns a promise that settles when the sink has ended.
   */
  close(reason?: CloseReason): Promise<void>;
}
