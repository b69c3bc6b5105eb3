import type { Bus, BusHandlers, Hub } from '@ssekit/core';

const REMEMBERED = 10_000;
const WAIT_MS = 1000;

/**
 * Counts, per event, how many of this worker's streams it reached, for a publish answer that
 * speaks for the whole server (`delivered` over all workers). It wraps the hub's bus: every
 * event arrives through it, the worker's own included, and the hub delivers it synchronously,
 * so the change of `delivered` in `hub.stats()` around the call is that event's count. It
 * passes `watch` and `unwatch` on too (a Redis bus brings a worker only the topics its streams
 * are on), and counts 0 at once for a topic the worker has no stream on.
 */
export class DeliveryCounter {
  readonly #counts = new Map<string, number>();
  readonly #waiters = new Map<string, ((count: number) => void)[]>();
  /** Topics the hub watches, with a bus that brings only those. */
  readonly #watched = new Set<string>();
  #selective = false;
  hub: Hub | undefined;

  /** The bus to give the hub, in place of `inner`. */
  wrap(inner: Bus): Bus {
    this.#selective = inner.watch !== undefined;
    const watching = {
      watch: (topic: string) => {
        this.#watched.add(topic);
        return inner.watch?.(topic);
      },
      unwatch: (topic: string) => {
        this.#watched.delete(topic);
        inner.unwatch?.(topic);
      },
    };
    return {
      ...(this.#selective ? watching : {}),
      subscribe: (handlers: BusHandlers) =>
        inner.subscribe({
          envelope: (envelope) => {
            const before = this.hub?.stats().delivered ?? 0;
            handlers.envelope(envelope);
            this.#record(`${envelope.topic}\n${envelope.id}`, (this.hub?.stats().delivered ?? 0) - before);
          },
          gap: (topics) => handlers.gap?.(topics),
        }),
      publish: (envelope) => inner.publish(envelope),
      close: () => inner.close?.(),
    };
  }

  /** This worker's count for an event, once it arrived (0 if it does not within a second). */
  count(topic: string, id: string): Promise<number> {
    const key = `${topic}\n${id}`;
    const known = this.#counts.get(key);
    if (known !== undefined) return Promise.resolve(known);
    // No stream here on that topic: the bus does not bring it, and it would reach none anyway.
    if (this.#selective && !this.#watched.has(topic)) return Promise.resolve(0);
    return new Promise((resolve) => {
      const wake = (count: number): void => {
        clearTimeout(timer);
        resolve(count);
      };
      const timer = setTimeout(() => {
        const rest = (this.#waiters.get(key) ?? []).filter((other) => other !== wake);
        if (rest.length > 0) this.#waiters.set(key, rest);
        else this.#waiters.delete(key);
        resolve(0);
      }, WAIT_MS);
      this.#waiters.set(key, [...(this.#waiters.get(key) ?? []), wake]);
    });
  }

  #record(key: string, count: number): void {
    if (this.#counts.size >= REMEMBERED) this.#counts.delete(this.#counts.keys().next().value as string);
    this.#counts.set(key, count);
    for (const wake of this.#waiters.get(key) ?? []) wake(count);
    this.#waiters.delete(key);
  }
}
