import { utf8Encode } from '../wire/bytes.js';
import { formatComment } from '../wire/encoder.js';
import type { SseStream } from './stream.js';

/** How finely the shared timer divides the heartbeat interval. */
const TICKS_PER_INTERVAL = 8;

/** Options of {@link Ticker}. @internal */
export interface TickerOptions {
  /** Comment interval for idle streams, ms; 0 turns heartbeats off. */
  intervalMs: number;
  /** A stream whose transport has not drained for this long is evicted; 0 turns it off. */
  writeTimeoutMs: number;
  /** The comment text. */
  comment: string;
  /** Streams with a lifetime need the timer even without heartbeats; the longest lifetime, ms. */
  lifetimeMs?: number;
}

/**
 * The shared timer: one for many streams (a hub's, or every hand-driven stream with the same
 * timing). Every tick it sends a comment to the streams that wrote nothing for a whole interval,
 * ends those past their lifetime, and evicts the ones whose transport has not drained within the write
 * deadline. Streams record their last write as a tick number, so writing costs no clock read.
 * The timer is unref'd where the runtime allows, and runs only while streams are registered.
 * @internal
 */
export class Ticker {
  /** Ticks since the timer started: the coarse clock streams stamp their writes with. */
  value = 0;
  readonly #streams = new Set<SseStream<object>>();
  readonly #bytes: Uint8Array;
  readonly #tickMs: number;
  readonly #idleTicks: number;
  readonly #deadlineTicks: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: TickerOptions) {
    this.#bytes = utf8Encode(formatComment(options.comment));
    // The finer of the two periods sets the tick, so neither is stretched by the other's.
    const periods = [options.intervalMs, options.writeTimeoutMs, options.lifetimeMs ?? 0].filter((ms) => ms > 0);
    const base = periods.length > 0 ? Math.min(...periods) : 0;
    this.#tickMs = base > 0 ? Math.max(1, Math.floor(base / TICKS_PER_INTERVAL)) : 0;
    this.#idleTicks = options.intervalMs > 0 ? Math.max(1, Math.round(options.intervalMs / this.#tickMs)) : 0;
    this.#deadlineTicks =
      options.writeTimeoutMs > 0 ? Math.max(1, Math.ceil(options.writeTimeoutMs / this.#tickMs)) : 0;
  }

  /** Milliseconds per tick; 0 when the timer never runs. */
  get tickMs(): number {
    return this.#tickMs;
  }

  /** Streams currently watched. */
  get size(): number {
    return this.#streams.size;
  }

  add(stream: SseStream<object>): void {
    this.#streams.add(stream);
    stream.lastWriteTick = this.value;
    if (this.#timer === undefined && this.#tickMs > 0) {
      this.#timer = setInterval(this.#tick, this.#tickMs);
      // Heartbeats alone must not keep a process alive.
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  delete(stream: SseStream<object>): void {
    this.#streams.delete(stream);
    if (this.#streams.size === 0) this.stop();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  readonly #tick = (): void => {
    const now = ++this.value;
    for (const stream of this.#streams) {
      if (stream.expiresAtTick > 0 && now >= stream.expiresAtTick) {
        void stream.close('lifetime');
      } else if (stream.blockedSinceTick >= 0) {
        if (this.#deadlineTicks > 0 && now - stream.blockedSinceTick >= this.#deadlineTicks)
          void stream.close('evicted');
      } else if (this.#idleTicks > 0 && now - stream.lastWriteTick >= this.#idleTicks) {
        stream.enqueue(this.#bytes);
        stream.flush();
      }
    }
  };
}
