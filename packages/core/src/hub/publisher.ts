import type { Bus, Envelope } from '../store/bus.js';
import type { NewEvent, ReplayStore, StoredEvent } from '../store/replay-store.js';
import { PublishEcho } from './publish-echo.js';
import { asUnavailable } from './publish-event.js';

/** A stored event and how many local streams it reached, known once it came back from the bus. @internal */
export interface Sent {
  readonly id: string;
  readonly delivered: Promise<number>;
}

/**
 * A hub's publish path: stores each event, sends it on the bus (in one step when the store can),
 * and matches it with its envelope coming back, which says how many local streams it reached.
 * @internal
 */
export class Publisher {
  readonly #store: ReplayStore;
  readonly #bus: Bus;
  readonly #origin: string;
  readonly #stored: () => void;
  readonly #hears: (topic: string) => boolean;
  readonly #echo = new PublishEcho();
  #stopped = false;

  /**
   * @param store - the hub's store.
   * @param bus - the hub's bus.
   * @param origin - the hub's id, put on every envelope it sends.
   * @param stored - told each time the store accepted an event.
   * @param hears - whether the bus brings this hub the envelopes of a topic (a bus that carries
   * only watched topics does not bring back a publish on a topic the hub has no stream on).
   */
  constructor(
    store: ReplayStore,
    bus: Bus,
    origin: string,
    stored: () => void,
    hears: (topic: string) => boolean = () => true,
  ) {
    this.#store = store;
    this.#bus = bus;
    this.#origin = origin;
    this.#stored = stored;
    this.#hears = hears;
  }

  /**
   * Stores `event` and sends it.
   * @throws SsekitError `unavailable` when the store or the bus cannot be reached.
   */
  async send(event: NewEvent): Promise<Sent> {
    const store = this.#store;
    const atomic = store.appendAndPublish !== undefined;
    // Heard before the append and after it: a subscription that came or went meanwhile may have
    // missed the envelope, and waiting for an echo that never comes would hold the publish.
    const heardBefore = this.#hears(event.topic);
    let stored: StoredEvent;
    try {
      stored = await (store.appendAndPublish !== undefined
        ? store.appendAndPublish(event, this.#origin)
        : store.append(event));
    } catch (err) {
      throw asUnavailable(err, 'the replay store');
    }
    this.#stored();
    const key = keyOf(stored);
    // With an atomic store the envelope may have come back already; the echo keeps early arrivals.
    // No echo is awaited for a topic the bus did not bring here throughout: it reached no local
    // stream (or one that is counted if its echo came early).
    const heard = heardBefore && this.#hears(stored.topic);
    const delivered = heard ? this.#echo.expect(key) : this.#echo.skip(key);
    if (!atomic) {
      try {
        await this.#bus.publish({ ...stored, origin: this.#origin });
      } catch (err) {
        this.#echo.cancel(key);
        throw asUnavailable(err, 'the bus');
      }
    }
    // stop() settled the publishes it knew of and the hub left the bus; this echo may never come.
    if (this.#stopped) this.#echo.cancel(key);
    return { id: stored.id, delivered };
  }

  /** An envelope came back from the bus and reached `delivered` local streams. */
  arrived(envelope: Envelope, delivered: number): void {
    // A publish waiting for it gets it whatever happened meanwhile. An early echo is kept for a
    // topic heard (or just heard: a final ends its streams as it is delivered), not for one the
    // bus still brings while it lingers, which no publish will ask for.
    if (envelope.origin === this.#origin) {
      this.#echo.arrived(keyOf(envelope), delivered, delivered > 0 || this.#hears(envelope.topic));
    }
  }

  /** Gives up on every publish still waiting for its echo. */
  stop(): void {
    this.#stopped = true;
    this.#echo.cancelAll();
  }
}

function keyOf(event: { readonly topic: string; readonly id: string }): string {
  return `${event.topic}\n${event.id}`;
}
