import type { Sink } from './sink.js';
import { SseStream } from './stream.js';
import type { StreamObserver, StreamOptions } from './stream.js';

// One settled promise shared by every stream that needs no replay.
const SETTLED = Promise.resolve();

/**
 * A stream subscribed to a hub's topics. Adapters report drains and disconnects on it
 * (`drained()`, `close('client')`); applications may `send()` to this one client.
 */
export class Subscription<TEvents extends object = Record<string, unknown>> extends SseStream<TEvents> {
  /** The topics it receives. */
  readonly topics: readonly string[];
  /**
   * Settles when replay is over (or was not needed) and live events flow. It never rejects: a
   * replay that fails ends the stream with reason `'error'`.
   */
  ready: Promise<void> = SETTLED;
  /** Live events that arrived while history was being replayed, held until it is done. @internal */
  heldLive: { id: string; bytes: Uint8Array }[] | undefined;
  /** Bytes in `heldLive`. @internal */
  heldBytes = 0;
  /** Replayed ids per topic whose live copies may still arrive; see the hub. @internal */
  replayedIds: Map<string, Set<string>> | undefined;

  /** @internal */
  constructor(sink: Sink, topics: readonly string[], options: StreamOptions, observer: StreamObserver) {
    super(sink, options, observer);
    this.topics = topics;
  }
}
