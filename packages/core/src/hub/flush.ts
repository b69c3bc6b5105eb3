import type { SseStream } from '../stream/stream.js';

/** Passes shorter than this never count as load: deferring them would only add latency. */
const BUSY_PASS_MS = 0.5;

// After the I/O already read this turn: `setImmediate` where the runtime has it (Node, Bun), a
// zero timer elsewhere.
const immediate = (globalThis as { setImmediate?: (run: () => void) => unknown }).setImmediate;
const later: (run: () => void) => void =
  immediate === undefined ? (run) => setTimeout(run, 0) : (run) => void immediate(run);

/**
 * When a hub's streams write what they queued: one pass over every stream with bytes waiting,
 * each writing its whole backlog at once (one write per socket, however many events).
 *
 * Idle, a pass runs at the end of the current turn (a microtask), so an event leaves at once.
 * Under load, when the previous pass ended less than its own duration ago (publishes arrive faster
 * than a pass over every socket takes), the next pass waits for the turn's I/O to be read first:
 * the publishes already on their way queue behind the ones in hand, and leave with them, in one
 * write per socket instead of one per event. With `intervalMs`, a pass waits that long after the
 * first event queued, whatever the load: fewer writes, for added latency. @internal
 */
export class FlushScheduler {
  readonly #intervalMs: number;
  #dirty: SseStream<object>[] = [];
  #lastEnd = -Infinity;
  #lastTook = 0;

  /** @param intervalMs - the longest a queued event waits to go out with others; 0: adaptive. */
  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /** `stream` has bytes queued: it writes them in the next pass. */
  add(stream: SseStream<object>): void {
    if (this.#dirty.push(stream) !== 1) return;
    if (this.#intervalMs > 0) setTimeout(this.#run, this.#intervalMs);
    else if (this.#lastTook > BUSY_PASS_MS && performance.now() - this.#lastEnd < this.#lastTook) later(this.#run);
    else queueMicrotask(this.#run);
  }

  readonly #run = (): void => {
    const started = performance.now();
    const dirty = this.#dirty;
    this.#dirty = [];
    for (const stream of dirty) stream.runFlush();
    this.#lastEnd = performance.now();
    this.#lastTook = this.#lastEnd - started;
  };
}
