import type { Bus, BusHandlers, Envelope } from '../../src/index.js';

/** One subscribed hub: its handlers and, per held group, the envelopes kept back from it. */
interface Subscriber {
  readonly handlers: BusHandlers;
  readonly held: Map<string, Envelope[]>;
}

/**
 * A real in-process {@link Bus} that keeps each group's envelopes in order, as a cluster's
 * per-slot channels do, but can hold one group back from one hub (or all of them) and release it
 * later: events of different groups then arrive in another relative order, differently in each
 * process. Without holds it is a {@link MemoryBus}: synchronous, in publish order.
 */
export class GroupedBus implements Bus {
  readonly #groupOf: (topic: string) => string;
  readonly #subscribers: Subscriber[] = [];

  /** @param groupOf - the store's grouping, so that holds follow its groups. */
  constructor(groupOf: (topic: string) => string = (topic) => topic) {
    this.#groupOf = groupOf;
  }

  subscribe(handlers: BusHandlers): () => void {
    const subscriber: Subscriber = { handlers, held: new Map() };
    this.#subscribers.push(subscriber);
    return () => {
      const at = this.#subscribers.indexOf(subscriber);
      if (at >= 0) this.#subscribers.splice(at, 1);
    };
  }

  publish(envelope: Envelope): void {
    const group = this.#groupOf(envelope.topic);
    for (const subscriber of [...this.#subscribers]) {
      const held = subscriber.held.get(group);
      if (held !== undefined) held.push(envelope);
      else subscriber.handlers.envelope(envelope);
    }
  }

  /**
   * Keeps `group`'s envelopes back from the hub subscribed `which`-th (from 0), or from every
   * hub, until {@link GroupedBus.release}.
   */
  hold(group: string, which?: number): void {
    for (const subscriber of this.#pick(which)) if (!subscriber.held.has(group)) subscriber.held.set(group, []);
  }

  /** Delivers what was kept back of `group`, in order, and stops keeping it back. */
  release(group: string, which?: number): void {
    for (const subscriber of this.#pick(which)) {
      const held = subscriber.held.get(group);
      subscriber.held.delete(group);
      for (const envelope of held ?? []) subscriber.handlers.envelope(envelope);
    }
  }

  /** Releases every group for every hub. */
  releaseAll(): void {
    for (const subscriber of this.#subscribers)
      for (const group of [...subscriber.held.keys()]) this.release(group, this.#subscribers.indexOf(subscriber));
  }

  #pick(which: number | undefined): Subscriber[] {
    if (which === undefined) return [...this.#subscribers];
    const subscriber = this.#subscribers[which];
    return subscriber === undefined ? [] : [subscriber];
  }
}
