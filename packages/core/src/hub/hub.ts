import { SsekitError } from '../errors.js';
import type { Bus, Envelope } from '../store/bus.js';
import { MemoryBus } from '../store/memory-bus.js';
import { MemoryReplayStore } from '../store/memory-replay-store.js';
import type { ReplayStore } from '../store/replay-store.js';
import type { CloseReason, Sink } from '../stream/sink.js';
import type { SseStream } from '../stream/stream.js';
import type { StreamOptions, StreamOwner } from '../stream/stream-types.js';
import { closeOnAbort } from '../stream/close-on-abort.js';
import type { PipeSource } from '../stream/source.js';
import { Ticker } from '../stream/ticker.js';
import { utf8Encode } from '../wire/bytes.js';
import { assertRetry } from '../wire/encoder.js';
import { eventFrame } from '../wire/frames.js';
import { FlushScheduler } from './flush.js';
import { HookRunner } from './hooks.js';
import { assertHubOptions, hubLimits, lifetimeEnd } from './hub-options.js';
import type { HubLimits } from './hub-options.js';
import type { EventMap, Hub, HubCloseOptions, HubStats } from './hub-types.js';
import type { HubOptions } from './hub-options.js';
import type { PublishEvent, PublishOptions, PublishResult } from './publish-types.js';
import type { Preparation, SubscribeOptions } from './subscribe-types.js';
import { Registry } from './registry.js';
import { assertPublishOptions, preparePublish } from './publish-event.js';
import { Publisher } from './publisher.js';
import { randomId } from './random-id.js';
import { linkBus } from './bus-link.js';
import type { BusLink } from './bus-link.js';
import { Completions } from './completions.js';
import { pipeToHub } from './pipe.js';
import type { HubPipeOptions, HubPipeResult } from './pipe.js';
import { prepareRequest } from './prepare.js';
import type { Prepared } from './prepare.js';
import { GroupedStream } from './grouped.js';
import { groupsOf } from './groups.js';
import { Resumption } from './resumption.js';
import { endStreams } from './shutdown.js';
import type { ResumeReport } from './resumption.js';
import { newCounters, resumeReport } from './resume-report.js';
import type { HubCounters } from './resume-report.js';
import { Subscription } from './subscription.js';
import { assertTopic, topicLimits, topicsOf } from './topics.js';
import { Watches } from './watches.js';

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
  readonly #limits: HubLimits;
  readonly #registry: Registry;
  /** The topics this hub asked its bus for, with a bus that delivers only those. */
  readonly #watches: Watches;
  readonly #completions = new Completions();
  readonly #flushes: FlushScheduler;
  readonly #busLink: BusLink;
  /** Rejects when the bus could not be subscribed to, which a publish then reports. */
  readonly #busReady: Promise<void>;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #counters: HubCounters = newCounters();
  readonly #resumeReport: ResumeReport;

  constructor(options: HubOptions) {
    assertHubOptions(options);
    const { replaySize: size = 1000, topicTtlMs, maxTopics } = options;
    this.#store = options.store ?? new MemoryReplayStore({ size, topicTtlMs, maxTopics });
    this.#bus = options.bus ?? new MemoryBus();
    this.#watches = new Watches(this.#bus);
    this.#publisher = new Publisher(
      this.#store,
      this.#bus,
      this.id,
      () => {
        this.#counters.published++;
      },
      (topic) => !this.#watches.selective || this.#registry.byTopic.has(topic),
    );
    this.#retry = 'retry' in options ? options.retry : 3000;
    this.#serialize = options.serialize;
    this.#hooks = new HookRunner(options.hooks);
    this.#resumeReport = resumeReport(this.#counters, this.#hooks, this.#completions);
    this.#registry = new Registry(options.maxConnections, options.maxConnectionsPerClient, this.#watches);
    this.#limits = hubLimits(options);
    topicLimits.set(this, this.#limits.topics);
    this.#flushes = new FlushScheduler(options.flushIntervalMs ?? 0);
    const { maxBufferedBytes, slowClientPolicy, serialize } = options;
    this.#streamOptions = { maxBufferedBytes, slowClientPolicy, serialize };
    this.ticker = new Ticker({
      intervalMs: options.heartbeatMs ?? 15_000,
      writeTimeoutMs: options.writeTimeoutMs ?? 30_000,
      comment: options.heartbeatComment ?? '',
      lifetimeMs: this.#limits.lifetimeMs,
    });
    const { link, failed } = linkBus(this.#bus, {
      envelope: (envelope) => {
        this.#receive(envelope);
      },
      gap: (topics) => {
        this.#gap(topics);
      },
    });
    this.#busLink = link;
    this.#busReady = failed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async publish(topic: string, event: PublishEvent<TEvents>, options?: PublishOptions): Promise<PublishResult> {
    if (this.#closed) throw new SsekitError('closed', 'ssekit: the hub is closed; publish before calling close().');
    const started = performance.now();
    assertTopic(topic);
    assertPublishOptions(options);
    const { body, id, final } = preparePublish(event, this.#serialize);
    await this.#busReady;
    const sent = await this.#publisher.send({ topic, body, id, final, ttlMs: options?.ttlMs });
    const count = await sent.delivered;
    if (this.#hooks.hooks.published !== undefined) {
      this.#hooks.run('published', { topic, id: sent.id, delivered: count, latencyMs: performance.now() - started });
    }
    return { id: sent.id, delivered: count };
  }

  pipe<TItem, TEvent>(
    topic: string,
    source: PipeSource<TItem>,
    options?: HubPipeOptions<TEvent, TItem>,
  ): Promise<HubPipeResult> {
    return pipeToHub((t, event, o) => this.publish(t, event as PublishEvent<TEvents>, o), topic, source, options);
  }

  prepare(options: SubscribeOptions = {}): Promise<Preparation> {
    if (this.#closed) throw new SsekitError('closed', 'ssekit: the hub is closed; no new streams are accepted.');
    // A topic the bus does not deliver yet may have completed unseen: ask the store about it.
    const followed = (topic: string): boolean => this.#registry.byTopic.has(topic) && !this.#watches.pending(topic);
    return prepareRequest(this.#store, this.#completions, followed, options, this.#limits.topics);
  }

  subscribe(sink: Sink, options: SubscribeOptions = {}): Subscription<TEvents> {
    if (this.#closed) throw new SsekitError('closed', 'ssekit: the hub is closed; no new streams are accepted.');
    const topics = topicsOf(options, this.#limits.topics);
    const grouping = groupsOf(this.#store.ordering, topics);
    const lastEventId = options.lastEventId ?? undefined;
    // What this hub's own `prepare` made: the history it read, when it read one.
    const prepared: Prepared | undefined = options.prepared;
    const replaying = lastEventId !== undefined || options.from === 'start' || prepared?.replay !== undefined;
    const retry = options.retry ?? this.#retry;
    if (retry !== undefined) assertRetry(retry);
    this.#registry.claim(options.clientKey);
    const stream = new Subscription<TEvents>(sink, topics, this.#streamOptions, this);
    // Watches its new topics: the bus is asked before the stream's first byte goes out.
    this.#registry.add(stream, options.clientKey);
    const watched = this.#watches.confirmed(topics);
    this.ticker.add(stream);
    stream.expiresAtTick = lifetimeEnd(this.#limits, this.ticker);
    const budget = this.#streamOptions.maxBufferedBytes ?? 1024 * 1024;
    // On a store ordered per group every stream resumes, a new one from its group's head; one
    // that waits for its bus holds what arrives meanwhile.
    const resumption = grouping
      ? new GroupedStream(stream, grouping, budget, this.#resumeReport)
      : replaying || this.#store.ordering !== undefined || watched !== undefined
        ? new Resumption(stream, budget, this.#resumeReport)
        : undefined;
    this.#hooks.run('connect', stream);
    // The first bytes tell the client its stream is live: an event published after they arrive
    // must reach it. A resumption sends them once the bus delivers the stream's topics.
    if (resumption === undefined) stream.open(retry);
    closeOnAbort(stream, options.signal);
    if (resumption !== undefined && !stream.closed) {
      stream.ready = resumption.run(this.#store, lastEventId, {
        retry,
        replay: prepared?.replay,
        historyAfterReset: this.#completions.all(topics),
        maxEvents: this.#limits.replayEvents,
        maxBytes: this.#limits.replayBytes,
        watched,
        fromStart: options.from === 'start',
      });
    } else if (this.#completions.all(topics)) {
      // Its topics completed after it was prepared (the final went by first): nothing will come.
      void stream.close('completed');
    }
    return stream;
  }

  stats(): HubStats {
    return {
      connections: this.#registry.size,
      topics: this.#registry.perTopic(),
      ...this.#counters,
      rejected: this.#registry.rejected,
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
    const subscription = this.#registry.get(stream);
    if (subscription !== undefined) this.#hooks.run('drop', subscription, count);
  }

  queued(delta: number): void {
    this.#counters.queuedBytes += delta;
  }

  scheduleFlush(stream: SseStream<object>): void {
    this.#flushes.add(stream);
  }

  failed(stream: SseStream<object>, error: unknown): void {
    this.#hooks.report(error, { where: 'write', stream: this.#registry.get(stream) });
  }

  ended(ended: SseStream<object>, reason: CloseReason): void {
    const stream = this.#registry.remove(ended);
    if (stream === undefined) return;
    this.ticker.delete(stream);
    stream.resumption?.release();
    if (reason === 'evicted') this.#counters.evicted++;
    this.#hooks.run('disconnect', stream, reason);
  }

  #receive(envelope: Envelope): void {
    this.#publisher.arrived(envelope, this.#deliver(envelope));
  }

  #deliver(envelope: Envelope): number {
    if (envelope.final === true) this.#completions.mark(envelope.topic);
    const set = this.#registry.byTopic.get(envelope.topic);
    if (set === undefined) return 0;
    const bytes = utf8Encode(eventFrame(envelope.id, envelope.body));
    let delivered = 0;
    for (const stream of set) {
      const resumption = stream.resumption;
      if (resumption === undefined ? stream.enqueue(bytes) : resumption.offer(envelope, bytes)) delivered++;
    }
    this.#counters.delivered += delivered;
    if (envelope.final === true) this.#endCompleted(set);
    return delivered;
  }

  /** Ends, right after the final event, the streams whose every topic completed. */
  #endCompleted(streams: Iterable<Subscription<object>>): void {
    for (const stream of [...streams]) {
      // One still writing its history ends when it hands over to live.
      if (stream.resumption?.holding !== true && this.#completions.all(stream.topics)) void stream.close('completed');
    }
  }

  #gap(topics: readonly string[] | undefined): void {
    // Live delivery may have missed events: those clients resume from the store, which has them.
    for (const stream of this.#registry.onTopics(topics)) void stream.close('server');
  }

  async #close(options: HubCloseOptions): Promise<void> {
    this.#closed = true;
    const endings = endStreams(this.#registry.list(), options, this.#serialize);
    this.ticker.stop();
    await this.#busLink.ready;
    this.#busLink.unsubscribe();
    this.#publisher.stop();
    await Promise.all(endings);
  }
}
