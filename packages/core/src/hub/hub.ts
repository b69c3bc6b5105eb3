import { SsekitError } from '../errors.js';
import type { Bus, Envelope } from '../store/bus.js';
import { MemoryBus } from '../store/memory-bus.js';
import { MemoryReplayStore } from '../store/memory-replay-store.js';
import type { ReplayStore } from '../store/replay-store.js';
import type { CloseReason, Sink } from '../stream/sink.js';
import type { SseStream, StreamOptions, StreamOwner } from '../stream/stream.js';
import { closeOnAbort } from '../stream/close-on-abort.js';
import { Ticker } from '../stream/ticker.js';
import { utf8Encode } from '../wire/bytes.js';
import { assertRetry } from '../wire/encoder.js';
import { eventFrame, openingBytes } from '../wire/frames.js';
import { HookRunner } from './hooks.js';
import { assertHubOptions } from './hub-options.js';
import type {
  EventMap,
  Hub,
  HubCloseOptions,
  HubOptions,
  HubStats,
  PublishEvent,
  PublishResult,
  SubscribeOptions,
} from './hub-types.js';
import { ConnectionLimits } from './limits.js';
import { preparePublish } from './publish-event.js';
import { Publisher } from './publisher.js';
import { Resumption } from './resumption.js';
import { endStreams } from './shutdown.js';
import type { ResumeReport } from './resumption.js';
import { Subscription } from './subscription.js';
import { assertTopic } from './topics.js';

/**
 * Creates a {@link Hub}.
 *
 * @example
 * ```ts
 * const hub = createHub<{ tick: { n: number } }>({ heartbeatMs: 15_000 });
 * await hub.publish('clock', { event: 'tick', data: { n: 1 } });
 * ```
 * @throws SsekitError `invalid_option` for an option out of range.
 */
export function createHub<TEvents extends EventMap = Record<string, unknown>>(options: HubOptions = {}): Hub<TEvents> {
  return new HubImpl<TEvents>(options);
}

const DEFAULT_BUDGET = 1024 * 1024;

class HubImpl<TEvents extends EventMap> implements Hub<TEvents>, StreamOwner {
  readonly id = randomId();
  readonly ticker: Ticker;
  readonly #store: ReplayStore;
  readonly #bus: Bus;
  readonly #publisher: Publisher;
  readonly #retry: number | undefined;
  readonly #streamOptions: StreamOptions;
  readonly #serialize: HubOptions['serialize'];
  readonly #hooks: HookRunner;
  readonly #limits: ConnectionLimits;
  readonly #lifetimeMs: number;
  readonly #lifetimeJitter: number;
  readonly #topics = new Map<string, Set<Subscription<object>>>();
  readonly #streams = new Map<SseStream<object>, Subscription<object>>();
  readonly #clientKeys = new Map<SseStream<object>, string>();
  /** Streams with bytes queued this turn; flushed together by one microtask. */
  #dirty: SseStream<object>[] = [];
  #unsubscribeBus: (() => void) | undefined;
  readonly #busReady: Promise<void>;
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
    assertHubOptions(options);
    this.#store = options.store ?? new MemoryReplayStore({ size: options.replaySize ?? 1000 });
    this.#bus = options.bus ?? new MemoryBus();
    this.#publisher = new Publisher(this.#store, this.#bus, this.id, () => {
      this.#counters.published++;
    });
    this.#retry = 'retry' in options ? options.retry : 3000;
    this.#serialize = options.serialize;
    this.#hooks = new HookRunner(options.hooks);
    this.#limits = new ConnectionLimits(options.maxConnections, options.maxConnectionsPerClient);
    this.#lifetimeMs = options.maxLifetimeMs ?? 0;
    this.#lifetimeJitter = options.lifetimeJitter ?? 0.1;
    this.#streamOptions = {
      maxBufferedBytes: options.maxBufferedBytes,
      slowClientPolicy: options.slowClientPolicy,
      serialize: options.serialize,
    };
    this.ticker = new Ticker({
      intervalMs: options.heartbeatMs ?? 15_000,
      writeTimeoutMs: options.writeTimeoutMs ?? 30_000,
      comment: options.heartbeatComment ?? '',
      lifetimeMs: this.#lifetimeMs,
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
    const started = performance.now();
    assertTopic(topic);
    const { body, id } = preparePublish(event, this.#serialize);
    await this.#busReady;
    const sent = await this.#publisher.send({ topic, body, id });
    const count = await sent.delivered;
    if (this.#hooks.hooks.published !== undefined) {
      this.#hooks.run('published', { topic, id: sent.id, delivered: count, latencyMs: performance.now() - started });
    }
    return { id: sent.id, delivered: count };
  }

  subscribe(sink: Sink, options: SubscribeOptions = {}): Subscription<TEvents> {
    if (this.#closed) throw new SsekitError('closed', 'ssekit: the hub is closed; no new streams are accepted.');
    const topics =
      options.topics === undefined || options.topics.length === 0 ? ['default'] : [...new Set(options.topics)];
    for (const topic of topics) assertTopic(topic);
    const lastEventId = options.lastEventId ?? undefined;
    const retry = options.retry ?? this.#retry;
    if (retry !== undefined) assertRetry(retry);
    this.#limits.claim(this.#streams.size, options.clientKey);
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
    if (options.clientKey !== undefined) this.#clientKeys.set(stream, options.clientKey);
    this.ticker.add(stream);
    if (this.#lifetimeMs > 0) {
      const lifetime = this.#lifetimeMs * (1 - this.#lifetimeJitter * Math.random());
      stream.expiresAtTick = this.ticker.value + Math.max(1, Math.round(lifetime / this.ticker.tickMs));
    }
    const resumption =
      lastEventId === undefined
        ? undefined
        : new Resumption(stream, this.#streamOptions.maxBufferedBytes ?? DEFAULT_BUDGET, this.#resumeReport);
    this.#hooks.run('connect', stream);
    if (retry !== undefined) stream.enqueue(openingBytes(retry));
    stream.flush();
    closeOnAbort(stream, options.signal);
    if (resumption !== undefined && lastEventId !== undefined && !stream.closed) {
      stream.ready = resumption.run(this.#store, lastEventId);
    }
    return stream;
  }

  stats(): HubStats {
    const topics: Record<string, number> = {};
    for (const [topic, set] of this.#topics) topics[topic] = set.size;
    return {
      connections: this.#streams.size,
      topics,
      ...this.#counters,
      rejected: this.#limits.rejected,
      errors: this.#hooks.errors,
    };
  }

  close(options: HubCloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  // StreamOwner: the one place a stream's life is accounted for.
  dropped(stream: SseStream<object>, count: number): void {
    this.#counters.dropped += count;
    const subscription = this.#streams.get(stream);
    if (subscription !== undefined) this.#hooks.run('drop', subscription, count);
  }

  queued(delta: number): void {
    this.#counters.queuedBytes += delta;
  }

  scheduleFlush(stream: SseStream<object>): void {
    if (this.#dirty.push(stream) === 1) queueMicrotask(this.#flushDirty);
  }

  failed(stream: SseStream<object>, error: unknown): void {
    this.#hooks.report(error, { where: 'write', stream: this.#streams.get(stream) });
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
    this.ticker.delete(stream);
    this.#limits.release(this.#clientKeys.get(ended));
    this.#clientKeys.delete(ended);
    stream.resumption?.release();
    if (reason === 'evicted') this.#counters.evicted++;
    this.#hooks.run('disconnect', stream, reason);
  }

  readonly #flushDirty = (): void => {
    const dirty = this.#dirty;
    this.#dirty = [];
    for (const stream of dirty) stream.runFlush();
  };

  readonly #resumeReport: ResumeReport = {
    replayed: (_stream, count) => {
      this.#counters.replayed += count;
      this.#counters.delivered += count;
    },
    missed: (stream, reason, lastEventId) => {
      this.#counters.replayMisses++;
      this.#hooks.run('replayMiss', stream, reason, lastEventId);
    },
    duplicates: (count) => {
      this.#counters.delivered -= count;
    },
    held: (delta) => {
      this.#counters.queuedBytes += delta;
    },
    failed: (stream, error) => {
      this.#hooks.report(error, { where: 'replay', stream });
    },
  };

  #receive(envelope: Envelope): void {
    this.#publisher.arrived(envelope, this.#deliver(envelope));
  }

  #deliver(envelope: Envelope): number {
    const set = this.#topics.get(envelope.topic);
    if (set === undefined) return 0;
    const bytes = utf8Encode(eventFrame(envelope.id, envelope.body));
    let delivered = 0;
    for (const stream of set) {
      const resumption = stream.resumption;
      if (resumption === undefined ? stream.enqueue(bytes) : resumption.offer(envelope, bytes)) delivered++;
    }
    this.#counters.delivered += delivered;
    return delivered;
  }

  #gap(): void {
    // Live delivery may have missed events: every client resumes from the store, which has them.
    for (const stream of [...this.#streams.values()]) void stream.close('server');
  }

  async #close(options: HubCloseOptions): Promise<void> {
    this.#closed = true;
    const endings = endStreams(this.#streams.values(), options, this.#serialize);
    this.ticker.stop();
    await this.#busReady.catch(() => undefined);
    this.#unsubscribeBus?.();
    this.#publisher.stop();
    await Promise.all(endings);
  }
}

function randomId(): string {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(36).padStart(2, '0')).join('');
}
