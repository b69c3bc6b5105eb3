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
   * @param topics - when only some topics may have missed envelopes (one shard of a cluster),
   * those: only streams on one of them end. Left out: every stream ends.
   */
  gap?(topics?: readonly string[]): void;
}

/**
 * Moves published events to every hub that shares it, this one included, in one order (a bus
 * with `watch` moves each topic's events only to the hubs that watch it). The
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
  /**
   * Optional, for a bus that carries to each process only the topics it asks for (a Redis channel
   * per topic). The hub calls it when its first stream on `topic` opens; a bus without it
   * delivers every topic to every hub. Envelopes of `topic` published before delivery is
   * confirmed may not arrive: the hub reads them from its replay store once the returned promise
   * settles, and drops the copies that arrive live as well.
   * @param topic - a validated topic name.
   * @returns settles once envelopes of `topic` published from then on reach the handlers (after
   * a reconnection it settles when the bus listens again). It should not reject: a transport
   * failure surfaces as `gap` and as failed publishes.
   */
  watch?(topic: string): Promise<void> | void;
  /**
   * Optional, with `watch`: the hub's last stream on `topic` ended, so the bus may stop
   * delivering its envelopes, at once or a little later.
   * @param topic - a topic given to `watch` before.
   */
  unwatch?(topic: string): void;
  /** Releases connections. */
  close?(): Promise<void> | void;
}
