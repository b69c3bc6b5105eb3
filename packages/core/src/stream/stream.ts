import { utf8Encode } from '../wire/bytes.js';
import { formatComment, formatEvent } from '../wire/encoder.js';
import type { FormatOptions } from '../wire/encoder.js';
import { SsekitError } from '../errors.js';
import { Backlog } from './backlog.js';
import type { CloseReason, Sink, SseStreamControl } from './sink.js';
import { pipeToStream } from './pipe.js';
import type { StreamEvent, StreamPipeOptions, StreamPipeResult } from './pipe.js';
import type { PipeSource } from './source.js';
import type { SlowClientPolicy, StreamOptions, StreamOwner } from './stream-types.js';

const DEFAULT_BUDGET = 1024 * 1024;

/**
 * One open event stream to one client: a hub subscription, or a hand-driven stream (see
 * `openStream`). Writes are queued and leave in one `Sink.write` per event-loop turn; a client
 * that does not drain gets a bounded backlog and then the slow-client policy; every ending goes
 * through {@link SseStream.close}, which runs once.
 *
 * @typeParam TEvents - map of event names to data types, for {@link SseStream.send}.
 */
export class SseStream<TEvents extends object = Record<string, unknown>> implements SseStreamControl {
  /** Last time (ticker tick) bytes were handed to the sink. @internal */
  lastWriteTick = 0;
  /** Tick at which the transport stopped draining, or -1 while it drains. @internal */
  blockedSinceTick = -1;
  /** Tick at which the stream reaches its maximum lifetime, or 0 for never. @internal */
  expiresAtTick = 0;

  readonly #sink: Sink;
  // Made on first use of `signal`: an AbortController is a good part of an idle stream's memory,
  // and a hub's own bookkeeping never needs one.
  #controller: AbortController | undefined;
  #reason: CloseReason | undefined;
  readonly #budget: number;
  readonly #policy: SlowClientPolicy;
  readonly #serialize: FormatOptions['serialize'];
  readonly #owner: StreamOwner;
  readonly #backlog = new Backlog();
  #writable = true;
  #flushScheduled = false;
  #closed = false;
  #ended: Promise<void> | undefined;
  #drainWaiters: (() => void)[] | undefined;

  /** @internal */
  constructor(sink: Sink, options: StreamOptions, owner: StreamOwner) {
    this.#sink = sink;
    this.#budget = options.maxBufferedBytes ?? DEFAULT_BUDGET;
    if (!(this.#budget > 0)) {
      throw new SsekitError('invalid_option', 'ssekit: `maxBufferedBytes` must be a positive number of bytes.');
    }
    this.#policy = options.slowClientPolicy ?? 'disconnect';
    this.#serialize = options.serialize;
    this.#owner = owner;
  }

  /** Aborts, with the {@link CloseReason} as its reason, when the stream ends for any reason. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** True once the stream has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes held for the client and not yet handed to the transport. */
  get bufferedBytes(): number {
    return this.#backlog.bytes;
  }

  /** True while the transport accepts writes (its last `write()` did not return `false`). */
  get writable(): boolean {
    return this.#writable;
  }

  /**
   * Sends one event to this client only.
   * @param event - the fields; `event` and `data` are checked against `TEvents`.
   * @returns `false` when the stream has ended or the event was refused by the slow-client policy.
   * @throws SsekitError `invalid_field` for a field that cannot be written safely.
   */
  send<K extends keyof TEvents & string>(event: {
    event?: K;
    data?: TEvents[K];
    id?: string;
    retry?: number;
  }): boolean {
    const text = formatEvent(event, { serialize: this.#serialize });
    return this.enqueue(utf8Encode(text));
  }

  /**
   * Sends a comment (ignored by `EventSource`, useful to keep proxies from timing out).
   * @param text - the comment; line breaks become several comment lines.
   */
  comment(text?: string): boolean {
    return this.enqueue(utf8Encode(formatComment(text)));
  }

  /**
   * Queues bytes that are already complete event blocks. The hub calls this with one buffer
   * shared by every subscriber. @internal
   */
  enqueue(bytes: Uint8Array): boolean {
    if (this.#closed) return false;
    // The budget bounds what waits for a slow client; while the transport drains, bytes only
    // wait for the end of this turn, so an event larger than the budget still goes out.
    if (!this.#writable && this.#backlog.bytes + bytes.byteLength > this.#budget && !this.#makeRoom(bytes.byteLength)) {
      return false;
    }
    this.#backlog.push(bytes);
    this.#owner.queued(bytes.byteLength);
    if (this.#writable && !this.#flushScheduled) {
      this.#flushScheduled = true;
      if (this.#owner.scheduleFlush !== undefined) this.#owner.scheduleFlush(this);
      else
        queueMicrotask(() => {
          this.runFlush();
        });
    }
    return true;
  }

  /** {@inheritDoc SseStreamControl.drained} */
  drained(): void {
    if (this.#closed) return;
    this.#writable = true;
    this.blockedSinceTick = -1;
    this.#wakeDrainWaiters();
    this.flush();
  }

  /**
   * Writes bytes straight to the sink, past the backlog and its budget, waiting for a drain
   * between chunks: history can be larger than the live budget, so it is paced by the
   * transport instead. Stops early when the stream ends. @internal
   */
  async writePaced(chunks: Iterable<Uint8Array>): Promise<void> {
    for (const chunk of chunks) {
      if (!(await this.whenWritable())) return;
      this.#write(chunk);
    }
  }

  /** Settles when the transport accepts writes: `true`, or `false` once the stream ended. @internal */
  async whenWritable(): Promise<boolean> {
    while (!this.#writable && !this.#closed) {
      await new Promise<void>((resolve) => (this.#drainWaiters ??= []).push(resolve));
    }
    return !this.#closed;
  }

  /**
   * Sends every item of `source` (an async iterable or a `ReadableStream`) to this client, paced
   * by its socket, then ends the stream; the source's iterator is stopped when the client leaves.
   * A source that throws gets an `error` event with a safe message, then the end.
   * @param source - what to send, item by item.
   * @param options - how an item becomes an event, the error event, whether to end the stream.
   */
  // A generic event type, as on `Hub.publish`, keeps SseStream covariant in `TEvents`.

  pipe<TItem, TEvent extends StreamEvent<TEvents> = StreamEvent<TEvents>>(
    source: PipeSource<TItem>,
    options?: StreamPipeOptions<TEvent, TItem>,
  ): Promise<StreamPipeResult> {
    return pipeToStream(this, source, options);
  }

  /** Writes the backlog now, if the transport accepts it. @internal */
  flush(): void {
    if (this.#closed || !this.#writable || this.#backlog.bytes === 0) return;
    const size = this.#backlog.bytes;
    const taken = this.#backlog.take();
    this.#owner.queued(-size);
    if (taken instanceof Uint8Array) {
      this.#write(taken);
      return;
    }
    for (const chunk of taken) {
      // Read through the getter: a failed write closes the stream, which TS cannot see.
      if (this.closed) return;
      this.#write(chunk);
    }
  }

  /** Runs a flush its owner scheduled. @internal */
  runFlush(): void {
    this.#flushScheduled = false;
    this.flush();
  }

  /**
   * Ends the stream: aborts {@link SseStream.signal}, tells the sink to end, reports to the
   * owner. Runs once; later calls return the same promise.
   * @param reason - why; defaults to `'server'` (the application ended it).
   * @returns a promise that settles when the sink has ended.
   */
  close(reason: CloseReason = 'server'): Promise<void> {
    if (this.#ended) return this.#ended;
    // Taken before anything below can call back in (an abort listener, a sink whose `end()`
    // reports the client gone), so a nested close() returns this promise instead of running again.
    let settle!: (ended: Promise<void>) => void;
    this.#ended = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.#closed = true;
    const pending = this.#backlog.bytes;
    if (pending > 0) {
      // The bytes still queued go out with the end when the transport can take them.
      if (this.#writable && reason !== 'client' && reason !== 'error' && reason !== 'evicted') {
        try {
          this.#sink.write(this.#backlog.takeJoined());
        } catch {
          // The sink is ending anyway; the write error changes nothing.
        }
      }
      this.#backlog.clear();
      this.#owner.queued(-pending);
    }
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#wakeDrainWaiters();
    let ended: Promise<void>;
    try {
      ended = Promise.resolve(this.#sink.end(reason)).catch(() => undefined);
    } catch {
      ended = Promise.resolve();
    }
    settle(ended);
    this.#owner.ended(this, reason);
    return this.#ended;
  }

  #write(chunk: Uint8Array): void {
    let accepted: boolean;
    try {
      accepted = this.#sink.write(chunk);
    } catch (err) {
      this.#owner.failed?.(this, err);
      void this.close('error');
      return;
    }
    const now = this.#owner.ticker.value;
    this.lastWriteTick = now;
    if (!accepted && !this.#closed) {
      this.#writable = false;
      this.blockedSinceTick = now;
    }
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    if (waiters === undefined) return;
    this.#drainWaiters = undefined;
    for (const wake of waiters) wake();
  }

  #makeRoom(incoming: number): boolean {
    if (this.#policy === 'disconnect') {
      void this.close('evicted');
      return false;
    }
    if (incoming > this.#budget) {
      // Nothing could make room for it: the event itself is dropped.
      this.#owner.dropped(this, 1);
      return false;
    }
    const { count, bytes } = this.#backlog.dropOldest(incoming, this.#budget);
    this.#owner.queued(-bytes);
    this.#owner.dropped(this, count);
    return true;
  }
}
