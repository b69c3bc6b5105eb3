import type { Bus, BusHandlers } from '../store/bus.js';

/** A hub's subscription on its bus. @internal */
export interface BusLink {
  /** Settles once the bus delivers (never rejects: a failed subscription shows on publish). */
  readonly ready: Promise<void>;
  /** Stops delivery, once it started. */
  unsubscribe(): void;
}

/** Subscribes `handlers` on `bus`, whether it answers at once or with a promise. @internal */
export function linkBus(bus: Bus, handlers: BusHandlers): { link: BusLink; failed: Promise<void> } {
  let stop: (() => void) | undefined;
  const subscribed = bus.subscribe(handlers);
  if (typeof subscribed === 'function') {
    stop = subscribed;
    const ready = Promise.resolve();
    return { link: { ready, unsubscribe: () => stop?.() }, failed: ready };
  }
  const failed = subscribed.then((fn) => {
    stop = fn;
  });
  // A failed bus subscription surfaces on the first publish; keep it from going unhandled.
  const ready = failed.catch(() => undefined);
  return { link: { ready, unsubscribe: () => stop?.() }, failed };
}
