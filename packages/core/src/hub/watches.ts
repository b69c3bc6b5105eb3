import type { Bus } from '../store/bus.js';
import type { TopicHooks } from './registry.js';

/**
 * The topics a hub asked its bus to deliver, for a bus that delivers only those (`Bus.watch`):
 * asked when the hub's first stream on a topic opens, given up when its last one ends. Until the
 * bus confirms a topic, its envelopes may be missing; streams that resume wait for the
 * confirmation before they read the store, so whatever was published meanwhile is in that read.
 * With a bus that delivers every topic this does nothing. @internal
 */
export class Watches implements TopicHooks {
  readonly #bus: Bus;
  /** Topics not confirmed yet, each with the promise that settles when it is. */
  readonly #pending = new Map<string, Promise<void>>();

  /** @param bus - the hub's bus. */
  constructor(bus: Bus) {
    this.#bus = bus;
  }

  /** True when the bus delivers only watched topics. */
  get selective(): boolean {
    return this.#bus.watch !== undefined;
  }

  /** The first stream on `topic` opened. */
  first(topic: string): void {
    if (this.#bus.watch === undefined) return;
    let answer: Promise<void> | void;
    try {
      answer = this.#bus.watch(topic);
    } catch {
      // The bus reports its own transport failures; a stream that misses events ends on `gap`.
      return;
    }
    if (answer === undefined) return;
    const settle = (): void => {
      if (this.#pending.get(topic) === pending) this.#pending.delete(topic);
    };
    const pending: Promise<void> = Promise.resolve(answer).then(settle, settle);
    this.#pending.set(topic, pending);
  }

  /** The last stream on `topic` ended. */
  last(topic: string): void {
    if (this.#bus.unwatch === undefined) return;
    this.#pending.delete(topic);
    this.#bus.unwatch(topic);
  }

  /** True while the bus has not confirmed `topic` yet: its envelopes may be missing. */
  pending(topic: string): boolean {
    return this.#pending.has(topic);
  }

  /**
   * Settles once every one of `topics` is confirmed; `undefined` when they all are already.
   * Never rejects.
   */
  confirmed(topics: readonly string[]): Promise<void> | undefined {
    if (this.#pending.size === 0) return undefined;
    const waits: Promise<void>[] = [];
    for (const topic of topics) {
      const pending = this.#pending.get(topic);
      if (pending !== undefined) waits.push(pending);
    }
    if (waits.length === 0) return undefined;
    return Promise.all(waits).then(() => undefined);
  }
}
