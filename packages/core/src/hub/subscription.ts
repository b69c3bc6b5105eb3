import type { Sink } from '../stream/sink.js';
import { openingBytes } from '../wire/frames.js';
import { SseStream } from '../stream/stream.js';
import type { StreamOptions, StreamOwner } from '../stream/stream-types.js';
import type { GroupedStream } from './grouped.js';
import type { Resumption } from './resumption.js';

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
  /**
   * What its live events go through instead of straight to it: a resumption while it replays and
   * hands over to live, or, for a stream on several ordering groups, its per-group positions for
   * its whole life. @internal
   */
  resumption: Resumption | GroupedStream | undefined;

  /** @internal */
  constructor(sink: Sink, topics: readonly string[], options: StreamOptions, owner: StreamOwner) {
    super(sink, options, owner);
    this.topics = topics;
  }

  /** Sends its first bytes (the retry hint, when there is one) in a flush of their own. @internal */
  open(retry: number | undefined): void {
    if (retry !== undefined) this.enqueue(openingBytes(retry));
    this.flush();
  }
}
