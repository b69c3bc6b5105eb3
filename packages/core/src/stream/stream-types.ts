import type { FormatOptions } from '../wire/encoder.js';
import type { CloseReason } from './sink.js';
import type { SseStream } from './stream.js';
import type { Ticker } from './ticker.js';

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

/** What a stream reports to whoever owns it (a hub, or the shared ticker of hand-driven streams). @internal */
export interface StreamOwner {
  /** `count` queued events were dropped by the `'drop-oldest'` policy. */
  dropped(stream: SseStream<object>, count: number): void;
  /** The backlog changed by `delta` bytes. */
  queued(delta: number): void;
  /** The stream ended; called once, after the sink was told to end. */
  ended(stream: SseStream<object>, reason: CloseReason): void;
  /** The shared timer whose ticks the stream stamps its writes with. */
  readonly ticker: Ticker;
  /**
   * Flushes `stream` later in this turn (calling its `runFlush()`); an owner of many streams
   * schedules one task for all of them instead of one per stream. Without it, each stream
   * queues its own microtask.
   */
  scheduleFlush?(stream: SseStream<object>): void;
  /** A write to the sink threw; the stream ends with reason `'error'` right after. */
  failed?(stream: SseStream<object>, error: unknown): void;
}
