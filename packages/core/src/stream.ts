import { concatBytes, utf8Encode } from './bytes.js';
import { formatComment, formatEvent } from './encoder.js';
import type { FormatOptions } from './encoder.js';
import { SsekitError } from './errors.js';
import type { CloseReason, Sink, SseStreamControl } from './sink.js';

/**
 * What a stream does when its client stops reading and the backlog would pass the budget.
 * - `disconnect`: end the stream (reason `'evicted'`); the client reconnects and resumes by
 *   `Last-Event-ID`, so nothing is lost while the replay store still holds the gap.
 * - `drop-oldest`: drop the oldest queued events until the new one fits; the client never sees
 *   them (use it for feeds where only the latest value matters).
 */
export type SlowClientPolicy = 'disconnect' | 'drop-oldest';

/** Options of a single stream, shared by hub subscriptions and hand-driven streams. */
export interface StreamOptions {
  /**
   * Bytes the stream may hold for a client that does not drain, beyond what the transport
   * buffers itself.
   * @default 1048576 (1 MiB)
   */
  maxBufferedBytes?: number;
  /** @default 'disconnect' */
  slowClientPolicy?: SlowClientPolicy;
  /** How non-string `data` becomes text. @default JSON.stringify */
  serialize?: FormatOptions['serialize'];
}

/** Counters a stream reports to whoever owns it (a hub sums them in its stats). */
export interface StreamObserver {
  /** `count` queued events were dropped by the `'drop-oldest'` policy. */
  dropped(stream: SseStream<object>, count: number): void;
  /** The backlog changed by `delta` bytes. */
  queued(delta: number): void;
  /** The stream ended; called once, after the sink was told to end. */
  ended(stream: SseStream<object>, reason: CloseReason): void;
  /** The owner's coarse clock, advanced by its heartbeat timer (see {@link HeartbeatClock}). */
  readonly clock: HeartbeatClock;
  /**
   * Flushes `stream` later in this turn (calling its `runFlush()`); an owner of many streams
   * schedules one task for all of them instead of one per stream. Without it, each stream
   * queues its own microtask.
   */
  schedule?(stream: SseStream<object>): void;
  /** A write to the sink threw; the stream ends with reason `'error'` right after. */
  failed?(stream: SseStream<object>, error: unknown): void;
}

/**
 * A counter advanced by a shared timer, so the hot write path never reads the system clock.
 * Heartbeats and write deadlines are measured in its ticks. @internal
 */
export interface HeartbeatClock {
  /** Ticks since the timer started. */
  value: number;
}

const DEFAULT_BUDGET = 1024 * 1024;
/** Backlogs up to this size are joined into one write. */
const COALESCE_LIMIT = 64 * 1024;

/**
 * One open event stream to one client. A hub creates these for its subscribers; an adapter's
 * `openStream` creates one for a hand-driven stream. Writes are queued and leave in one
 * `Sink.write` per event-loop turn; a client that does not drain gets a bounded backlog and then
 * the slow-client policy; every ending goes through {@link SseStream.close}, which runs once.
 *
 * @typeParam TEvents - map of event names to data types, for {@link SseStream.send}.
 */
export class SseStream<TEvents extends object = Record<string, unknown>> implements SseStreamControl {
  /** Last time (hub heartbeat tick) bytes were handed to the sink. @internal */
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
  readonly #observer: StreamObserver | undefined;
  // The backlog: most turns queue one shared buffer, held without an array (no garbage per
  // delivery); an array appears only when a second chunk waits.
  #one: Uint8Array | undefined;
  #more: Uint8Array[] | undefined;
  #pendingBytes = 0;
  #writable = true;
  #flushScheduled = false;
  #closed = false;
  #ended: Promise<void> | undefined;
  #drainWaiters: (() => void)[] | undefined;

  /**
   * @param sink - where the bytes go.
   * @param options - budget, policy and serializer.
   * @param observer - the owner's counters. @internal
   */
  constructor(sink: Sink, options: StreamOptions = {}, observer?: StreamObserver) {
    this.#sink = sink;
    this.#budget = options.maxBufferedBytes ?? DEFAULT_BUDGET;
    if (!(this.#budget > 0)) {
      throw new SsekitError('invalid_option', 'ssekit: `maxBufferedBytes` must be a positive number of bytes.');
    }
    this.#policy = options.slowClientPolicy ?? 'disconnect';
    this.#serialize = options.serialize;
    this.#observer = observer;
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
    return this.#pendingBytes;
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
    const waiting = !this.#writable;
    if (waiting && this.#pendingBytes + bytes.byteLength > this.#budget && !this.#makeRoom(bytes.byteLength)) {
      return false;
    }
    if (this.#more !== undefined) this.#more.push(bytes);
    else if (this.#one === undefined) this.#one = bytes;
    else {
      this.#more = [this.#one, bytes];
      this.#one = undefined;
    }
    this.#pendingBytes += bytes.byteLength;
    this.#observer?.queued(bytes.byteLength);
    if (this.#writable && !this.#flushScheduled) {
      this.#flushScheduled = true;
      if (this.#observer?.schedule !== undefined) this.#observer.schedule(this);
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
   * Writes bytes straight to the sink, past the hold and the budget, waiting for a drain
   * between chunks: history can be larger than the live budget, so it is paced by the
   * transport instead. Stops early when the stream ends. @internal
   */
  async writePaced(chunks: Iterable<Uint8Array>): Promise<void> {
    for (const chunk of chunks) {
      while (!this.#writable && !this.#closed) {
        await new Promise<void>((resolve) => (this.#drainWaiters ??= []).push(resolve));
      }
      if (this.#closed) return;
      this.#write(chunk);
    }
  }

  /** Writes the backlog now, if the transport accepts it. @internal */
  flush(): void {
    if (this.#closed || !this.#writable || this.#pendingBytes === 0) return;
    const one = this.#one;
    const pending = this.#more;
    const size = this.#pendingBytes;
    this.#one = undefined;
    this.#more = undefined;
    this.#pendingBytes = 0;
    this.#observer?.queued(-size);
    if (one !== undefined) {
      this.#write(one);
      return;
    }
    if (pending === undefined) return;
    if (size <= COALESCE_LIMIT) {
      this.#write(concatBytes(pending, size));
      return;
    }
    // Large backlogs go chunk by chunk: the transport keeps references, a join would copy them
    // once per subscriber.
    for (const chunk of pending) {
      // Read through the getter: a failed write closes the stream, which TS cannot see.
      if (this.closed) return;
      this.#write(chunk);
    }
  }

  #write(chunk: Uint8Array): void {
    let accepted: boolean;
    try {
      accepted = this.#sink.write(chunk);
    } catch (err) {
      this.#observer?.failed?.(this, err);
      void this.close('error');
      return;
    }
    const now = this.#observer?.clock.value ?? 0;
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

  /**
   * Ends the stream: aborts {@link SseStream.signal}, tells the sink to end, reports to the
   * owner. Runs once; later calls return the same promise.
   * @param reason - why; defaults to `'server'`.
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
    if (this.#pendingBytes > 0) {
      // The bytes still queued go out with the end when the transport can take them.
      if (this.#writable && reason !== 'client' && reason !== 'error' && reason !== 'evicted') {
        try {
          this.#sink.write(concatBytes(this.#pendingList(), this.#pendingBytes));
        } catch {
          // The sink is ending anyway; the write error changes nothing.
        }
      }
      this.#observer?.queued(-this.#pendingBytes);
      this.#one = undefined;
      this.#more = undefined;
      this.#pendingBytes = 0;
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
    this.#observer?.ended(this, reason);
    return this.#ended;
  }

  /** Runs a flush its owner scheduled. @internal */
  runFlush(): void {
    this.#flushScheduled = false;
    this.flush();
  }

  #makeRoom(incoming: number): boolean {
    if (this.#policy === 'disconnect') {
      void this.close('evicted');
      return false;
    }
    if (incoming > this.#budget) {
      // Nothing could make room for it: the event itself is dropped.
      this.#observer?.dropped(this, 1);
      return false;
    }
    const pending = this.#pendingList();
    let dropped = 0;
    let freed = 0;
    while (this.#pendingBytes - freed + incoming > this.#budget && dropped < pending.length) {
      freed += (pending[dropped] as Uint8Array).byteLength;
      dropped++;
    }
    pending.splice(0, dropped);
    this.#one = undefined;
    this.#more = pending.length > 0 ? pending : undefined;
    this.#pendingBytes -= freed;
    this.#observer?.queued(-freed);
    this.#observer?.dropped(this, dropped);
    return true;
  }

  /** The backlog as one array (allocated only on the slow paths that need it). */
  #pendingList(): Uint8Array[] {
    if (this.#more !== undefined) return this.#more;
    return this.#one === undefined ? [] : [this.#one];
  }
}
