import type { SsekitClientError } from './errors.js';
import type { ClientEvent } from './types.js';

/** An event as the subscription hands it out, before its type narrows it. @internal */
export type AnyEvent = ClientEvent<Record<string, unknown>>;

/**
 * A new iterator of a subscription's events: it registers its queue in `iterators`, with the
 * function that wakes it, and the subscription fills the queue.
 * @param isClosed - read afresh on each wait: the subscription may end meanwhile.
 * @param error - what ended the subscription; thrown once, when the queue is drained.
 * @param end - ends the subscription (a loop left early ends it).
 * @internal
 */
export function eventIterator<T>(
  iterators: Map<AnyEvent[], () => void>,
  isClosed: () => boolean,
  error: () => SsekitClientError | undefined,
  end: () => void,
): AsyncIterator<T> {
  const queue: AnyEvent[] = [];
  let ready: Promise<void> | undefined;
  let resolveReady: (() => void) | undefined;
  let threw = false;
  iterators.set(queue, () => {
    resolveReady?.();
    ready = undefined;
  });
  return {
    next: async () => {
      while (queue.length === 0 && !isClosed()) await (ready ??= new Promise((resolve) => (resolveReady = resolve)));
      const value = queue.shift();
      if (value !== undefined) return { value: value as never, done: false };
      iterators.delete(queue);
      const failure = error();
      if (failure !== undefined && !threw) {
        threw = true;
        throw failure;
      }
      return { value: undefined, done: true };
    },
    // Leaving a `for await` loop early (break, return, a throw) ends the subscription.
    return: () => {
      iterators.delete(queue);
      end();
      return Promise.resolve({ value: undefined, done: true });
    },
  };
}
