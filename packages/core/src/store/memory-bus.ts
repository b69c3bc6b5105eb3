import type { Bus, BusHandlers, Envelope } from './bus.js';

/**
 * The in-process {@link Bus}: hands every envelope straight back to the hubs subscribed to it,
 * synchronously and in publish order. One instance may be shared by several hubs of one process.
 */
export class MemoryBus implements Bus {
  readonly #handlers = new Set<BusHandlers>();

  /** {@inheritDoc Bus.subscribe} */
  subscribe(handlers: BusHandlers): () => void {
    this.#handlers.add(handlers);
    return () => this.#handlers.delete(handlers);
  }

  /** {@inheritDoc Bus.publish} */
  publish(envelope: Envelope): void {
    for (const handlers of this.#handlers) handlers.envelope(envelope);
  }
}
