import type { Bus } from './bus.js';
import type { FormatOptions } from './encoder.js';
import type { ReplayStore } from './replay-store.js';
import type { SlowClientPolicy } from './stream.js';

/**
 * A map of event names to the type of their data, e.g. `{ tick: { n: number } }`. The name
 * `message` stands for unnamed events (what `EventSource.onmessage` receives).
 */
export type EventMap = object;

/**
 * One event to publish, checked against `TEvents`: `event` must be one of its names and `data`
 * of that name's type. With the default map any name and data are allowed.
 */
export type PublishEvent<TEvents extends EventMap> =
  | {
      [K in keyof TEvents & string]: {
        /** The event name. */
        event: K;
        /** The payload: a string is sent as is; anything else is serialized (JSON by default). */
        data: TEvents[K];
        /** An id to use instead of the store's; 1 to 128 characters of `[A-Za-z0-9._~-]`. */
        id?: string;
      };
    }[keyof TEvents & string]
  | ('message' extends keyof TEvents
      ? { event?: undefined; data: TEvents['message' & keyof TEvents]; id?: string }
      : never);

/** What {@link Hub.publish} resolves to. */
export interface PublishResult {
  /** The event's id, as sent on the wire. */
  id: string;
  /** How many streams of this process received it. */
  delivered: number;
}

/** Options of {@link Hub.subscribe}. */
export interface SubscribeOptions {
  /**
   * Topics to receive, each 1 to 128 characters of `A-Z a-z 0-9 . _ ~ : / @ + -`.
   * @default ['default']
   */
  topics?: readonly string[];
  /**
   * The client's `Last-Event-ID` (header or query), untrusted: checked before any store call.
   * When given, missed events are replayed first, or the reserved `ssekit-reset` event says
   * they cannot be.
   */
  lastEventId?: string | null;
  /** The `retry:` hint written first, in ms. @default the hub's `retry` */
  retry?: number;
  /** Aborting it ends the stream with reason `'client'` (e.g. a Fetch `request.signal`). */
  signal?: AbortSignal;
}

/** Options of {@link createHub}. */
export interface HubOptions {
  /** History and ids. @default a {@link MemoryReplayStore} of `replaySize` per topic */
  store?: ReplayStore;
  /** Events per topic the default memory store keeps. @default 1000 */
  replaySize?: number;
  /** Fan-out between processes. @default a {@link MemoryBus} (this process only) */
  bus?: Bus;
  /** The `retry:` hint every stream starts with, in ms; `undefined` sends none. @default 3000 */
  retry?: number;
  /** Comment interval for streams that were idle that long, ms; 0 turns it off. @default 15000 */
  heartbeatMs?: number;
  /** The heartbeat comment's text. @default '' (a bare `:` line) */
  heartbeatComment?: string;
  /**
   * A stream whose transport has not drained for this long (half-open TCP, a stalled proxy) is
   * evicted; 0 turns it off.
   * @default 30000
   */
  writeTimeoutMs?: number;
  /** Bytes held per slow client beyond the transport's own buffer. @default 1048576 */
  maxBufferedBytes?: number;
  /** What happens past that budget. @default 'disconnect' */
  slowClientPolicy?: SlowClientPolicy;
  /** How non-string `data` becomes text. @default JSON.stringify */
  serialize?: FormatOptions['serialize'];
}

/** Counters of a hub, as `hub.stats()` returns them. All counts since the hub was created. */
export interface HubStats {
  /** Open streams. */
  connections: number;
  /** Open streams per topic (a stream on two topics counts in both). */
  topics: Record<string, number>;
  /** Events published through this hub. */
  published: number;
  /** Event deliveries handed to streams (live and replayed). */
  delivered: number;
  /** Deliveries dropped by the `'drop-oldest'` policy. */
  dropped: number;
  /** Streams ended by the slow-client policy or the write deadline. */
  evicted: number;
  /** Events replayed to resuming clients. */
  replayed: number;
  /** Resumptions that could not be served (`ssekit-reset` sent). */
  replayMisses: number;
  /** Bytes held for slow clients right now. */
  queuedBytes: number;
}

/** Options of {@link Hub.close}. */
export interface HubCloseOptions {
  /** A last event sent to every stream before it ends (e.g. `{ event: 'bye', data: '' }`). */
  event?: { event?: string; data?: unknown };
  /** A `retry:` hint sent last, so clients wait that long (ms) before reconnecting elsewhere. */
  retry?: number;
}
