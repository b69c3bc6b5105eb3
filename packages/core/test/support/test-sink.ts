import type { CloseReason, Sink, SseStreamControl } from '../../src/index.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * An in-memory {@link Sink} for hub tests: keeps every chunk it was handed (the raw
 * `Uint8Array`, so tests can check that subscribers share one buffer), can be switched between
 * accepting writes and answering `false` (backpressure), and records every `end()`.
 */
export class TestSink implements Sink {
  /** Every chunk passed to `write()`, in order, as given. */
  readonly chunks: Uint8Array[] = [];
  /** Every reason `end()` was called with; a well-behaved stream calls it once. */
  readonly ends: CloseReason[] = [];
  /** Calls to `write()` made after `end()` (a broken Sink rule 1); must stay 0. */
  writesAfterEnd = 0;
  /** The stream to tell about drains; set it after `hub.subscribe(sink)`. */
  control: SseStreamControl | undefined;
  /** Thrown by the next `write()` when set (then cleared). */
  failNextWrite: Error | undefined;
  /** Called inside `end()`, e.g. to re-enter the stream's `close()`. */
  onEnd: ((reason: CloseReason) => void) | undefined;
  /** Returned by `end()`, for tests of `hub.close()` waiting on slow sinks. */
  endResult: Promise<void> | undefined;
  #accepting = true;

  write(chunk: Uint8Array): boolean {
    if (this.ends.length > 0) this.writesAfterEnd++;
    const failure = this.failNextWrite;
    if (failure !== undefined) {
      this.failNextWrite = undefined;
      throw failure;
    }
    this.chunks.push(chunk);
    return this.#accepting;
  }

  end(reason: CloseReason): void | Promise<void> {
    this.ends.push(reason);
    this.onEnd?.(reason);
    return this.endResult;
  }

  /** Every chunk decoded as UTF-8, one string per `write()`. */
  get writes(): string[] {
    return this.chunks.map((chunk) => utf8.decode(chunk));
  }

  /** Everything written, as one string. */
  get text(): string {
    return this.writes.join('');
  }

  /** True once `end()` was called. */
  get ended(): boolean {
    return this.ends.length > 0;
  }

  /** From now on `write()` keeps the bytes but answers `false`, like a full socket buffer. */
  block(): void {
    this.#accepting = false;
  }

  /** Accept writes again and tell the stream the transport drained. */
  drain(): void {
    this.#accepting = true;
    this.control?.drained();
  }

  /** Forgets the chunks seen so far, so a test can look at what comes next only. */
  clear(): void {
    this.chunks.length = 0;
  }
}

/** Lets pending microtasks (the hub's per-turn flush, the publish chain) run. */
export async function settle(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The `retry:` block every stream starts with, for the hub's default of 3000 ms. */
export const RETRY = 'retry: 3000\n';
