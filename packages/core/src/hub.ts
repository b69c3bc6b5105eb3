import type { Bus, Envelope } from './bus.js';
import { utf8Encode } from './bytes.js';
import { assertRetry, formatEvent } from './encoder.js';
import { SsekitError } from './errors.js';
import { Heartbeat } from './heartbeat.js';
import { HookRunner } from './hooks.js';
import { checkHubOptions } from './hub-options.js';
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
import { assertPublishId, assertTopic, parseLastEventId } from './ids.js';
import { MemoryBus } from './memory-bus.js';
import { MemoryReplayStore } from './memory-replay-store.js';
import { ConnectionLimits } from './limits.js';
import { PublishEcho } from './publish-echo.js';
import { replayInto, skipReplayed } from './replay.js';
import type { ReplayReport } from './replay.js';
import type { ReplayStore } from './replay-store.js';
import type { CloseReason, Sink } from './sink.js';
import type { SseStream, StreamObserver, StreamOptions } from './stream.js';
import { Subscription } from './subscription.js';

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

class HubImpl<TEvents extends EventMap> implements Hub<TEvents>, StreamObserver {
  readonly id = randomId();
  readonly clock: Heartbeat;
  readonly #store: ReplayStore;
  readonly #bus: Bus;
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
  readonly #echo = new PublishEcho();
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
    checkHubOptions(options);
    this.#store = options.store ?? new MemoryReplayStore({ size: options.replaySize ?? 1000 });
    this.#bus = options.bus ?? new MemoryBus();
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
    this.clock = new Heartbeat({
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
      appended = await this.#store.append(topic, body, id, this.id);
    } catch (err) {
      throw asUnavailable(err, 'the replay store');
    }
    this.#counters.published++;
    const envelope: Envelope = { ...appended.stored, origin: this.id };
    const key = envelopeKey(envelope);
    const delivered = this.#echo.expect(key);
    if (appended.published !== true) {
      try {
        await this.#bus.publish(envelope);
      } catch (err) {
        this.#echo.cancel(key);
        throw asUnavailable(err, 'the bus');
      }
    }
    // close() settled the publishes it knew of and left the bus; this one's echo may never come.
    if (this.closed) this.#echo.cancel(key);
    const count = await delivered;
    if (this.#hooks.hooks.published !== undefined) {
      this.#hooks.run('published', {
        topic,
        id: envelope.id,
        delivered: count,
        latencyMs: performance.now() - started,
      });
    }
    return { id: envelope.id, delivered: count };
  }

  subscribe(sink: Sink, options: SubscribeOptions = {}): Subscription<TEvents> {
    if (this.#closed) throw new SsekitError('closed', 'ssekit: the hub is closed; no new streams are accepted.');
    const topics =
      options.topics === undefined || options.topics.length === 0 ? ['default'] : [...new Set(options.topics)];
    for (const topic of topics) assertTopic(topic);
    const lastEventId = parseLastEventId(options.lastEventId);
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
    this.clock.add(stream);
    if (this.#lifetimeMs > 0) {
      const lifetime = this.#lifetimeMs * (1 - this.#lifetimeJitter * Math.random());
      stream.expiresAtTick = this.clock.value + Math.max(1, Math.round(lifetime / this.clock.tickMs));
    }
    if (lastEventId !== undefined) stream.heldLive = [];
    this.#hooks.run('connect', stream);
    if (retry !== undefined) stream.send({ retry });
    stream.flush();
    this.#bindSignal(stream, options.signal);
    if (lastEventId !== undefined && !stream.closed) {
      stream.ready = replayInto(stream, this.#store, lastEventId, this.#replayReport);
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

  // StreamObserver: the one place a stream's life is accounted for.
  dropped(stream: SseStream<object>, count: number): void {
    this.#counters.dropped += count;
    const subscription = this.#streams.get(stream);
    if (subscription !== undefined) this.#hooks.run('drop', subscription, count);
  }

  queued(delta: number): void {
    this.#counters.queuedBytes += delta;
  }

  schedule(stream: SseStream<object>): void {
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
    this.clock.delete(stream);
    this.#limits.release(this.#clientKeys.get(ended));
    this.#clientKeys.delete(ended);
    if (stream.heldBytes > 0) this.#counters.queuedBytes -= stream.heldBytes;
    stream.heldLive = undefined;
    stream.heldBytes = 0;
    if (reason === 'evicted') this.#counters.evicted++;
    this.#hooks.run('disconnect', stream, reason);
  }

  readonly #flushDirty = (): void => {
    const dirty = this.#dirty;
    this.#dirty = [];
    for (const stream of dirty) stream.runFlush();
  };

  readonly #replayReport: ReplayReport = {
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
    released: (bytes) => {
      this.#counters.queuedBytes -= bytes;
    },
    failed: (stream, error) => {
      this.#hooks.report(error, { where: 'replay', stream });
    },
  };

  #bindSignal(stream: Subscription<object>, signal: AbortSignal | undefined): void {
    if (signal === undefined) return;
    if (signal.aborted) {
      void stream.close('client');
      return;
    }
    const onAbort = (): void => {
      void stream.close('client');
    };
    signal.addEventListener('abort', onAbort, { once: true });
    stream.signal.addEventListener('abort', () => signal.removeEventListener('abort', onAbort), { once: true });
  }

  #receive(envelope: Envelope): void {
    const delivered = this.#deliver(envelope);
    if (envelope.origin === this.id) this.#echo.arrived(envelopeKey(envelope), delivered);
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

  #gap(): void {
    // Live delivery may have missed events: every client resumes from the store, which has them.
    for (const stream of [...this.#streams.values()]) void stream.close('server');
  }

  async #close(options: HubCloseOptions): Promise<void> {
    this.#closed = true;
    const last = options.event !== undefined ? formatEvent(options.event, { serialize: this.#serialize }) : '';
    const jitter = options.retryJitterMs ?? 0;
    const endings: Promise<void>[] = [];
    for (const stream of [...this.#streams.values()]) {
      const retry =
        options.retry === undefined
          ? ''
          : formatEvent({ retry: options.retry + Math.floor(Math.random() * (jitter + 1)) });
      if (last !== '' || retry !== '') stream.enqueue(utf8Encode(last + retry));
      endings.push(stream.close('shutdown'));
    }
    this.clock.stop();
    await this.#busReady.catch(() => undefined);
    this.#unsubscribeBus?.();
    this.#echo.cancelAll();
    await Promise.all(endings);
  }
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
