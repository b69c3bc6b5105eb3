import type { Bus, Envelope } from './bus.js';
import { concatBytes, utf8Encode } from './bytes.js';
import { formatEvent } from './encoder.js';
import { SsekitError } from './errors.js';
import { Heartbeat } from './heartbeat.js';
import type {
  EventMap,
  HubCloseOptions,
  HubOptions,
  HubStats,
  PublishEvent,
  PublishResult,
  SubscribeOptions,
} from './hub-types.js';
import { assertPublishId, assertTopic, parseLastEventId } from './ids.js';
import { MemoryBus } from './memory-bus.js';
import { MemoryReplayStore } from './memory-replay-store.js';
import type { ReplayStore, StoredEvent } from './replay-store.js';
import { RESET_EVENT } from './reserved.js';
import type { CloseReason, Sink } from './sink.js';
import type { SseStream, StreamObserver, StreamOptions } from './stream.js';
import { Subscription } from './subscription.js';

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
  publish(topic: string, event: PublishEvent<TEvents>): Promise<PublishResult>;
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

/**
 * Creates a {@link Hub}.
 *
 * @example
 * ```ts
 * const hub = createHub<{ tick: { n: number } }>({ heartbeatMs: 15_000 });
 * await hub.publish('clock', { event: 'tick', data: { n: 1 } });
 * ```
 */
export function createHub<TEvents extends EventMap = Record<string, unknown>>(options: HubOptions = {}): Hub<TEvents> {
  return new HubImpl<TEvents>(options);
}

const PUBLISH_ECHO_TIMEOUT_MS = 10_000;

class HubImpl<TEvents extends EventMap> implements Hub<TEvents>, StreamObserver {
  readonly id = randomId();
  readonly clock: Heartbeat;
  readonly #store: ReplayStore;
  readonly #bus: Bus;
  readonly #retry: number | undefined;
  readonly #streamOptions: StreamOptions;
  readonly #serialize: HubOptions['serialize'];
  readonly #topics = new Map<string, Set<Subscription<object>>>();
  readonly #streams = new Map<SseStream<object>, Subscription<object>>();
  /** Own publishes waiting for their envelope to come back from the bus. */
  readonly #awaiting = new Map<string, (delivered: number) => void>();
  /** Own envelopes that came back before `publish` learnt their id. */
  readonly #early = new Map<string, number>();
  #unsubscribeBus: (() => void) | undefined;
  #busReady: Promise<void>;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #counters = {
    published: 0,
    delivered: 0,
    dropped: 0,
    evicted: 0,
    replayed: 0,
    replayMisses: 0,
    queuedBytes: 0,
  };

  constructor(options: HubOptions) {
    this.#store = options.store ?? new MemoryReplayStore({ size: options.replaySize ?? 1000 });
    this.#bus = options.bus ?? new MemoryBus();
    this.#retry = 'retry' in options ? options.retry : 3000;
    if (this.#retry !== undefined && (!Number.isSafeInteger(this.#retry) || this.#retry < 0)) {
      throw new SsekitError('invalid_option', 'ssekit: `retry` must be a non-negative integer of milliseconds.');
    }
    this.#serialize = options.serialize;
    for (const name of ['heartbeatMs', 'writeTimeoutMs', 'replaySize'] as const) {
      const value = options[name];
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
        throw new SsekitError('invalid_option', `ssekit: \`${name}\` must be a non-negative integer.`);
      }
    }
    const policy = options.slowClientPolicy as string | undefined;
    if (policy !== undefined && policy !== 'disconnect' && policy !== 'drop-oldest') {
      throw new SsekitError('invalid_option', "ssekit: `slowClientPolicy` must be 'disconnect' or 'drop-oldest'.");
    }
    const budget = options.maxBufferedBytes;
    if (budget !== undefined && !(budget > 0)) {
      throw new SsekitError('invalid_option', 'ssekit: `maxBufferedBytes` must be a positive number of bytes.');
    }
    this.#streamOptions = {
      maxBufferedBytes: options.maxBufferedBytes,
      slowClientPolicy: options.slowClientPolicy,
      serialize: options.serialize,
    };
    this.clock = new Heartbeat({
      intervalMs: options.heartbeatMs ?? 15_000,
      writeTimeoutMs: options.writeTimeoutMs ?? 30_000,
      comment: options.heartbeatComment ?? '',
    });
    const unsubscribe = this.#bus.subscribe({
      envelope: (envelope) => {
        this.#receive(envelope);
      },
      gap: () => {
        this.#gap();
      },
    });
    if (typeof unsubscribe === 'function') {
      this.#unsubscribeBus = unsubscribe;
      this.#busReady = Promise.resolve();
    } else {
      this.#busReady = unsubscribe.then((fn) => {
        this.#unsubscribeBus = fn;
      });
      // A failed bus subscription surfaces on the first publish; keep it from going unhandled.
      this.#busReady.catch(() => undefined);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  async publish(topic: string, event: PublishEvent<TEvents>): Promise<PublishResult> {
    if (this.#closed) throw new SsekitError('closed', 'ssekit: the hub is closed; publish before calling close().');
    assertTopic(topic);
    const { event: name, data, id } = event as { event?: string; data?: unknown; id?: string };
    if (name?.includes('\0')) {
      throw new SsekitError('invalid_field', 'ssekit: `event` must not contain NUL; remove that character.');
    }
    if (name?.startsWith('ssekit-')) {
      throw new SsekitError(
        'invalid_field',
        'ssekit: event names starting with `ssekit-` are reserved; choose another name.',
      );
    }
    if (data === undefined) {
      throw new SsekitError(
        'invalid_field',
        'ssekit: `data` is required to publish (use null or "" for an empty payload).',
      );
    }
    if (id !== undefined) assertPublishId(id);
    // Formatting validates every field, so a bad event throws before anything is stored.
    const body = formatEvent({ event: name, data }, { serialize: this.#serialize });
    await this.#busReady;
    let appended;
    try {
      appended = await this.#store.append(topic, body, id);
    } catch (err) {
      throw asUnavailable(err, 'the replay store');
    }
    this.#counters.published++;
    const envelope: Envelope = { ...appended.stored, origin: this.id };
    const key = envelopeKey(envelope);
    const delivered = new Promise<number>((resolve) => {
      const early = this.#early.get(key);
      if (early !== undefined) {
        this.#early.delete(key);
        resolve(early);
        return;
      }
      const timer = setTimeout(() => {
        this.#awaiting.delete(key);
        resolve(0);
      }, PUBLISH_ECHO_TIMEOUT_MS);
      (timer as { unref?: () => void }).unref?.();
      this.#awaiting.set(key, (n) => {
        clearTimeout(timer);
        resolve(n);
      });
    });
    if (appended.published !== true) {
      try {
        await this.#bus.publish(envelope);
      } catch (err) {
        this.#awaiting.get(key)?.(0);
        this.#awaiting.delete(key);
        throw asUnavailable(err, 'the bus');
      }
    }
    if (this.closed) {
      // close() settled the publishes it knew of and left the bus; this one's echo may never come.
      this.#awaiting.get(key)?.(0);
      this.#awaiting.delete(key);
    }
    return { id: envelope.id, delivered: await delivered };
  }

  subscribe(sink: Sink, options: SubscribeOptions = {}): Subscription<TEvents> {
    if (this.#closed) throw new SsekitError('closed', 'ssekit: the hub is closed; no new streams are accepted.');
    const topics =
      options.topics === undefined || options.topics.length === 0 ? ['default'] : [...new Set(options.topics)];
    for (const topic of topics) assertTopic(topic);
    const lastEventId = parseLastEventId(options.lastEventId);
    const retry = options.retry ?? this.#retry;
    const stream = new Subscription<TEvents>(sink, topics, this.#streamOptions, this);
    for (const topic of topics) {
      let set = this.#topics.get(topic);
      if (set === undefined) {
        set = new Set();
        this.#topics.set(topic, set);
      }
      set.add(stream);
    }
    this.#streams.set(stream, stream);
    this.clock.add(stream);
    if (lastEventId !== undefined) stream.heldLive = [];
    if (retry !== undefined) stream.send({ retry });
    stream.flush();
    const signal = options.signal;
    if (signal !== undefined) {
      if (signal.aborted) void stream.close('client');
      else {
        const onAbort = (): void => {
          void stream.close('client');
        };
        signal.addEventListener('abort', onAbort, { once: true });
        stream.signal.addEventListener(
          'abort',
          () => {
            signal.removeEventListener('abort', onAbort);
          },
          { once: true },
        );
      }
    }
    if (lastEventId !== undefined && !stream.closed) stream.ready = this.#replay(stream, lastEventId);
    return stream;
  }

  stats(): HubStats {
    const topics: Record<string, number> = {};
    for (const [topic, set] of this.#topics) topics[topic] = set.size;
    return { connections: this.#streams.size, topics, ...this.#counters };
  }

  close(options: HubCloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  // StreamObserver: the one place a stream's ending is accounted for.
  dropped(_stream: SseStream<object>, count: number): void {
    this.#counters.dropped += count;
  }

  queued(delta: number): void {
    this.#counters.queuedBytes += delta;
  }

  ended(ended: SseStream<object>, reason: CloseReason): void {
    const stream = this.#streams.get(ended);
    if (stream === undefined) return;
    this.#streams.delete(ended);
    for (const topic of stream.topics) {
      const set = this.#topics.get(topic);
      if (set === undefined) continue;
      set.delete(stream);
      if (set.size === 0) this.#topics.delete(topic);
    }
    this.clock.delete(stream);
    if (stream.heldBytes > 0) this.#counters.queuedBytes -= stream.heldBytes;
    stream.heldLive = undefined;
    stream.heldBytes = 0;
    if (reason === 'evicted') this.#counters.evicted++;
  }

  #receive(envelope: Envelope): void {
    const delivered = this.#deliver(envelope);
    if (envelope.origin !== this.id) return;
    const key = envelopeKey(envelope);
    const resolve = this.#awaiting.get(key);
    if (resolve !== undefined) {
      this.#awaiting.delete(key);
      resolve(delivered);
    } else {
      if (this.#early.size >= 10_000) this.#early.delete(this.#early.keys().next().value as string);
      this.#early.set(key, delivered);
    }
  }

  #deliver(envelope: Envelope): number {
    const set = this.#topics.get(envelope.topic);
    if (set === undefined) return 0;
    const bytes = utf8Encode(envelope.frame);
    let delivered = 0;
    for (const stream of set) {
      if (stream.replayedIds !== undefined && skipReplayed(stream, envelope)) continue;
      if (stream.heldLive !== undefined) {
        if (this.#hold(stream, envelope.id, bytes)) delivered++;
      } else if (stream.enqueue(bytes)) {
        delivered++;
      }
    }
    this.#counters.delivered += delivered;
    return delivered;
  }

  #hold(stream: Subscription<object>, id: string, bytes: Uint8Array): boolean {
    const budget = this.#streamOptions.maxBufferedBytes ?? 1024 * 1024;
    if (stream.heldBytes + bytes.byteLength > budget) {
      // A replay that cannot keep up with live traffic: the client resumes again from its id.
      void stream.close('evicted');
      return false;
    }
    stream.heldLive?.push({ id, bytes });
    stream.heldBytes += bytes.byteLength;
    this.#counters.queuedBytes += bytes.byteLength;
    return true;
  }

  async #replay(stream: Subscription<object>, lastEventId: string): Promise<void> {
    try {
      const result = await this.#store.since(stream.topics, lastEventId);
      if (stream.closed) return;
      const replayedIds = new Set<string>();
      if (result.ok) {
        for (const event of result.events) replayedIds.add(event.id);
        await stream.writePaced(batchFrames(result.events));
        this.#counters.replayed += result.events.length;
        this.#counters.delivered += result.events.length;
      } else {
        this.#counters.replayMisses++;
        await stream.writePaced([
          utf8Encode(formatEvent({ event: RESET_EVENT, data: JSON.stringify({ reason: result.reason, lastEventId }) })),
        ]);
      }
      if (isClosed(stream)) return;
      const held = stream.heldLive ?? [];
      this.#counters.queuedBytes -= stream.heldBytes;
      stream.heldLive = undefined;
      stream.heldBytes = 0;
      const live = held.filter((item) => !replayedIds.has(item.id));
      if (result.ok && result.events.length > 0) rememberReplayed(stream, result.events, live);
      // Held events the replay already sent were counted when held: count each delivery once.
      this.#counters.delivered -= held.length - live.length;
      if (live.length > 0) {
        const total = live.reduce((sum, item) => sum + item.bytes.byteLength, 0);
        stream.enqueue(
          concatBytes(
            live.map((item) => item.bytes),
            total,
          ),
        );
      }
      stream.flush();
    } catch {
      void stream.close('error');
    }
  }

  #gap(): void {
    // Live delivery may have missed events: every client resumes from the store, which has them.
    for (const stream of [...this.#streams.values()]) void stream.close('server');
  }

  async #close(options: HubCloseOptions): Promise<void> {
    this.#closed = true;
    let farewell: Uint8Array | undefined;
    if (options.event !== undefined || options.retry !== undefined) {
      farewell = utf8Encode(
        (options.event !== undefined ? formatEvent(options.event, { serialize: this.#serialize }) : '') +
          (options.retry !== undefined ? formatEvent({ retry: options.retry }) : ''),
      );
    }
    const endings: Promise<void>[] = [];
    for (const stream of [...this.#streams.values()]) {
      if (farewell !== undefined) stream.enqueue(farewell);
      endings.push(stream.close('shutdown'));
    }
    this.clock.stop();
    await this.#busReady.catch(() => undefined);
    this.#unsubscribeBus?.();
    for (const resolve of this.#awaiting.values()) resolve(0);
    this.#awaiting.clear();
    await Promise.all(endings);
  }
}

const REPLAY_BATCH_BYTES = 64 * 1024;

/** Replayed frames joined into writes of up to 64 KiB, instead of one write per event. */
function batchFrames(events: readonly StoredEvent[]): Uint8Array[] {
  const batches: Uint8Array[] = [];
  let text = '';
  for (const event of events) {
    text += event.frame;
    if (text.length >= REPLAY_BATCH_BYTES) {
      batches.push(utf8Encode(text));
      text = '';
    }
  }
  if (text !== '') batches.push(utf8Encode(text));
  return batches;
}

/**
 * With a shared store, a replay can include events whose live copy is still on its way through
 * the bus. Their ids are remembered per topic until the first live event on that topic that was
 * not replayed: the bus delivers in store order, so nothing older can follow it.
 */
function rememberReplayed(
  stream: Subscription<object>,
  events: readonly StoredEvent[],
  alreadyLive: readonly { id: string }[],
): void {
  const byTopic = new Map<string, Set<string>>();
  for (const event of events) {
    let ids = byTopic.get(event.topic);
    if (ids === undefined) {
      ids = new Set();
      byTopic.set(event.topic, ids);
    }
    ids.add(event.id);
  }
  // A topic whose live copies already arrived (held during the replay) needs no watch.
  if (alreadyLive.length > 0) {
    for (const [topic, ids] of byTopic) if (alreadyLive.some((item) => ids.has(item.id))) byTopic.delete(topic);
  }
  stream.replayedIds = byTopic.size > 0 ? byTopic : undefined;
}

/** True when `envelope` is a late live copy of a replayed event: it is skipped. */
function skipReplayed(stream: Subscription<object>, envelope: Envelope): boolean {
  const byTopic = stream.replayedIds;
  const ids = byTopic?.get(envelope.topic);
  if (byTopic === undefined || ids === undefined) return false;
  if (ids.has(envelope.id)) {
    ids.delete(envelope.id);
    if (ids.size === 0) byTopic.delete(envelope.topic);
  } else {
    byTopic.delete(envelope.topic);
    if (byTopic.size === 0) stream.replayedIds = undefined;
    return false;
  }
  if (byTopic.size === 0) stream.replayedIds = undefined;
  return true;
}

// A stream may end while a replay awaits; read the flag afresh rather than a narrowed copy.
function isClosed(stream: SseStream<object>): boolean {
  return stream.closed;
}

function envelopeKey(envelope: Envelope): string {
  return `${envelope.topic}\n${envelope.id}`;
}

function asUnavailable(err: unknown, what: string): SsekitError {
  if (err instanceof SsekitError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new SsekitError('unavailable', `ssekit: ${what} could not be reached (${detail}); retry the publish later.`, {
    cause: err,
  });
}

function randomId(): string {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(36).padStart(2, '0')).join('');
}
