import type { Sink } from '../stream/sink.js';
import type { PipeSource } from '../stream/source.js';
import type { HubPipeOptions, HubPipeResult } from './pipe.js';
import type { PublishEvent, PublishOptions, PublishResult } from './publish-types.js';
import type { Preparation, SubscribeOptions } from './subscribe-types.js';
import type { Subscription } from './subscription.js';

/**
 * A map of event names to the type of their data, e.g. `{ tick: { n: number } }`. The name
 * `message` stands for unnamed events (what `EventSource.onmessage` receives).
 */
export type EventMap = object;

/**
 * The event map of a hub type, for code that only has the hub's type: `EventsOf<typeof hub>`.
 * A client can take it with a type-only import, so a renamed event breaks its build.
 */
export type EventsOf<THub> = THub extends Hub<infer TEvents> ? TEvents : never;

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
  /** Streams refused by `maxConnections` or `maxConnectionsPerClient`. */
  rejected: number;
  /** Failures reported through the `error` hook: sink writes, replays, hooks. */
  errors: number;
}

/** Options of {@link Hub.close}. */
export interface HubCloseOptions {
  /** A last event sent to every stream before it ends (e.g. `{ event: 'bye', data: '' }`). */
  event?: { event?: string; data?: unknown };
  /** A `retry:` hint sent last, so clients wait that long (ms) before reconnecting elsewhere. */
  retry?: number;
  /**
   * Adds up to this many ms, at random per stream, to `retry`, so clients do not all reconnect
   * at the same moment.
   * @default 0
   */
  retryJitterMs?: number;
}

/**
 * Topics, fan-out, ids, resumption, slow clients, heartbeats and shutdown for many streams.
 * Create one per process (or per app) with {@link createHub}.
 *
 * @typeParam TEvents - event names to data types; makes {@link Hub.publish} type-checked.
 */
export interface Hub<TEvents extends EventMap = Record<string, unknown>> {
  /** This hub's id, unique per instance; the `origin` of the envelopes it publishes. */
  readonly id: string;
  /**
   * Publishes one event on a topic: the store assigns its id, the bus carries it to every hub
   * sharing the bus, and each encodes it once for all of its subscribers.
   * @param topic - the topic.
   * @param event - name, data and optionally an id; checked before anything is stored.
   * @throws SsekitError `invalid_field`/`invalid_topic` (nothing is published), `closed`,
   * or `unavailable` when the store or the bus cannot be reached.
   */
  // A generic parameter on purpose: it makes `Hub` covariant in `TEvents`, so a typed hub can be
  // passed wherever `Hub<object>` is asked for (adapter options, for one).
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  publish<TEvent extends PublishEvent<TEvents>>(
    topic: string,
    event: TEvent,
    options?: PublishOptions,
  ): Promise<PublishResult>;
  /**
   * Publishes every item of `source` (an async iterable or a `ReadableStream`) on `topic`, in
   * order, then a final event that completes the topic: the producer of a run (an AI answer, a
   * build log), decoupled from its readers. Each publish is awaited, so a slow store slows the
   * source; readers coming and going do not. A source that throws ends the run with an `error`
   * event carrying a safe message.
   * @throws SsekitError from a publish that fails (the source is stopped): `completed`,
   * `invalid_field`, `closed`, `unavailable`.
   */
  // A generic event type, as on `publish`, keeps `Hub` covariant in `TEvents`.

  pipe<TItem, TEvent extends PublishEvent<TEvents> = PublishEvent<TEvents>>(
    topic: string,
    source: PipeSource<TItem>,
    options?: HubPipeOptions<TEvent, TItem>,
  ): Promise<HubPipeResult>;
  /**
   * Decides, before a stream request is answered, whether it has anything to read: a request on
   * topics that all completed, whose client already read every final event (or that gives no
   * resume point), is `ended`. Reads the store only for topics this hub does not follow live.
   * Adapters call it before answering, then {@link Hub.subscribe} with the result.
   * @param options - the subscription's options.
   * @throws SsekitError `invalid_topic`, `closed`, `unavailable` (the store).
   */
  prepare(options?: SubscribeOptions): Promise<Preparation>;
  /**
   * Subscribes a sink: writes the `retry:` hint at once, then replays what a resuming client
   * missed, then live events. The stream is registered before the first byte is written, so an
   * event published after a client read the hint reaches it.
   * @param sink - where the bytes go (an adapter's response).
   * @param options - topics, the client's `Last-Event-ID`, retry and an abort signal.
   * @throws SsekitError `invalid_topic` or `invalid_last_event_id` before anything is written;
   * `closed` once the hub is closed.
   */
  subscribe(sink: Sink, options?: SubscribeOptions): Subscription<TEvents>;
  /** Counters and gauges; see {@link HubStats}. */
  stats(): HubStats;
  /**
   * Ends every stream cleanly (optionally after a last event and a `retry:` hint), stops the
   * timers and the bus subscription, and resolves when every sink has ended.
   */
  close(options?: HubCloseOptions): Promise<void>;
  /** True once {@link Hub.close} was called. */
  readonly closed: boolean;
}
