import type { StoredEvent } from './replay-store.js';

/**
 * What travels between processes: a stored event (topic, id, body) plus the id of the hub that
 * published it. A bus carries it as it is, without looking inside.
 */
export interface Envelope extends StoredEvent {
  /** The publishing hub's id; hubs use it to tell their own publishes apart. */
  readonly origin: string;
}

/** What a bus calls back into the hub. */
export interface BusHandlers {
  /** An envelope arrived, from this process or another; in the bus's order. */
  envelope(envelope: Envelope): void;
  /**
   * Delivery may have missed envelopes (the bus lost its connection and came back). The hub
   * ends its streams with a short retry so clients resume from the replay store, which lost
   * nothing.
   */
  gap?(): void;
}

/**
 * Moves published events to every hub that shares it, this one included, in one order. The
 * hub delivers to its own subscribers only what comes back from the bus, so every process sees
 * the same order; the hub owns the envelope, ids, ordering and self-echo rules, and a bus only
 * moves them.
 *
 * `@ssekit/testkit` holds a conformance suite every implementation should pass.
 */
export interface Bus {
  /**
   * Starts delivery to `handlers`. Called once, by the hub that owns the bus.
   * @returns a function that stops delivery.
   */
  subscribe(handlers: BusHandlers): (() => void) | Promise<() => void>;
  /**
   * Sends an envelope to every subscribed hub, this one included. Rejects (with
   * `SsekitError('unavailable')`) when the transport is down, rather than losing it silently.
   */
  publish(envelope: Envelope): Promise<void> | void;
  /** Releases connections. */
  close?(): Promise<void> | void;
}
