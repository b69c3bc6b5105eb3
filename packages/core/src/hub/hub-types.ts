import type { Bus } from '../store/bus.js';
import type { FormatOptions } from '../wire/encoder.js';
import type { HubHooks } from './hooks.js';
import type { ReplayStore } from '../store/replay-store.js';
import type { Sink } from '../stream/sink.js';
import type { SlowClientPolicy } from '../stream/stream-types.js';
import type { PipeSource } from '../stream/source.js';
import type { LastEventId } from '../wire/ids.js';
import type { HubPipeOptions, HubPipeResult } from './pipe.js';
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
        /**
         * Makes this the topic's last event: every stream on the topic receives it, a stream whose
         * every topic completed ends right after it, later requests are answered `204 No Content`
         * (EventSource stops), and later publishes are refused with `SsekitError('completed')`.
         */
        final?: boolean;
      };
    }[keyof TEvents & string]
  | ('message' extends keyof TEvents
      ? { event?: undefined; data: TEvents['message' & keyof TEvents]; id?: string; final?: boolean }
      : never);

/** Options of one {@link Hub.publish}. */
export interface PublishOptions {
  /**
   * How long the topic's history (and its completion) is kept after this publish, ms; `0` keeps
   * it. Give it on a topic's first publish to set that topic's retention.
   * @default the store's (`topicTtlMs`)
   */
  ttlMs?: number;
}

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
   * Where the client resumes from, as {@link parseLastEventId} checked it (adapters read the
   * `Last-Event-ID` header, or `?lastEventId=`, and parse it once). When given, missed events are
   * replayed first, or the reserved `ssekit-reset` event says they cannot be.
   */
  lastEventId?: LastEventId;
  /**
   * `'start'`: without a `lastEventId`, the stream first gets every event the store still holds
   * on its topics (a late joiner reading a whole run), then live events.
   */
  from?: 'start';
  /** The `retry:` hint written first, in ms. @default the hub's `retry` */
  retry?: number;
  /** Aborting it ends the stream with reason `'client'` (e.g. a Fetch `request.signal`). */
  signal?: AbortSignal;
  /** What {@link Hub.prepare} decided for this request, when it was asked first. */
  prepared?: Preparation;
  /**
   * Who the client is, for `maxConnectionsPerClient` (adapters pass the remote address unless
   * told otherwise).
   */
  clientKey?: string;
}

/**
 * What {@link Hub.prepare} decided for a stream request. Pass it on to {@link Hub.subscribe}.
 */
export interface Preparation {
  /**
   * True when the request has nothing more to read: every topic completed and the client read
   * each final event, or asks with no resume point. Answer it `204 No Content` (EventSource then
   * stops reconnecting) instead of subscribing.
   */
  readonly ended: boolean;
}

/** Options of {@link createHub}. */
export interface HubOptions {
  /** History and ids. @default a {@link MemoryReplayStore} of `replaySize` per topic */
  store?: ReplayStore;
  /** Events per topic the default memory store keeps. @default 1000 */
  replaySize?: number;
  /**
   * How long the default memory store keeps a topic's history (and its completion) after its
   * last publish, ms; `0` keeps it for good.
   * @default completed topics one hour, open topics for good
   */
  topicTtlMs?: number;
  /** Most topics the default memory store keeps (least recently published forgotten first). @default 10000 */
  maxTopics?: number;
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
  /** Lifecycle callbacks for logs and metrics. @default none */
  hooks?: HubHooks;
  /**
   * Open streams the hub accepts; `subscribe` past it throws `too_many_connections`.
   * @default Infinity
   */
  maxConnections?: number;
  /** Open streams per `clientKey`. @default Infinity */
  maxConnectionsPerClient?: number;
  /**
   * Streams end (reason `'lifetime'`) after this long, so long-lived connections rotate across
   * servers and authorization is checked again on reconnect; 0 for never.
   * @default 0
   */
  maxLifetimeMs?: number;
  /**
   * Each stream's lifetime is shortened by a random fraction up to this, so streams opened
   * together do not all reconnect together.
   * @default 0.1
   */
  lifetimeJitter?: number;
  /**
   * The longest a queued event may wait so that several go out in one write, ms. `0` (the
   * default) adapts: an idle hub writes each event at once; under load (publishes arriving
   * faster than one pass over every socket takes), the events that queue meanwhile leave
   * together, one write per socket. A positive value always waits that long after the first
   * event, for fewer writes at the cost of latency.
   * @default 0
   */
  flushIntervalMs?: number;
  /**
   * Most topics one stream may subscribe to; a request for more is refused with `invalid_topic`
   * (400). Each topic costs the hub a set entry and a resume a store read.
   * @default 64
   */
  maxTopicsPerStream?: number;
  /**
   * Most events one resume may replay; past it the client gets `ssekit-reset` (reason
   * `'too_large'`) and live events, instead of a history that would hold the server up.
   * @default 10000
   */
  maxReplayEvents?: number;
  /**
   * Most event text one resume may replay, in characters; past it, as for `maxReplayEvents`.
   * @default 16777216 (16 Mi)
   */
  maxReplayBytes?: number;
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
