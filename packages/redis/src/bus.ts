import type { Redis } from 'ioredis';
import { SsekitError } from '@ssekit/core';
import type { Bus, BusHandlers, Envelope } from '@ssekit/core';
import { Connection, quit } from './connection.js';
import type { RedisConnectionOptions } from './connection.js';
import { decodeEnvelope, encodeEnvelope } from './envelope-codec.js';
import { TopicWatch, unwatchAfter, watchAgain } from './topic-watch.js';

/** Options of {@link createRedisBus}. */
export interface RedisBusOptions extends RedisConnectionOptions {
  /**
   * Prepended to the Pub/Sub channel of each topic, `<prefix>c:<topic>`. Processes that act as
   * one share it (`createRedisBackend` passes its key prefix).
   * @default 'ssekit:'
   */
  prefix?: string;
  /**
   * How long a topic stays subscribed after its last stream on this process ended, ms, so a
   * topic whose streams come and go is not unsubscribed and subscribed again each time.
   * @default 1000
   */
  lingerMs?: number;
}

/** Channels per SUBSCRIBE when a reconnected bus listens again to every watched topic. */
const SUBSCRIBE_BATCH = 500;

/**
 * Fan-out between processes over Redis Pub/Sub, for one hub: `createHub({ bus })`. Each topic
 * has its own channel, `<prefix>c:<topic>` (plain SUBSCRIBE and PUBLISH; no patterns, which Redis
 * matches against every publish). The hub watches the topics its streams are on, so a process
 * subscribes to those channels only and receives the events of the topics it serves, not all of
 * them. Envelopes go out on the command connection and come back on a dedicated subscriber
 * connection, in the order Redis received them, to every process watching their topic (this
 * one included).
 *
 * When the subscriber connection drops, the bus reconnects and subscribes to every watched
 * topic again by itself, then tells the hub delivery had a gap; the hub ends its streams so
 * that clients resume from the replay store. While it is down, `publish` (and the linked store's
 * `append`) fail with `SsekitError('unavailable')`.
 */
export class RedisBus implements Bus {
  /** Prepended to each topic's channel: `<prefix>c:<topic>`. */
  readonly prefix: string;
  /** Settles once the subscriber connection first listens. */
  readonly ready: Promise<void>;
  readonly #connection: Connection;
  /** False when the connection is shared (the backend's), so the backend closes it. */
  readonly #ownsConnection: boolean;
  readonly #lingerMs: number;
  /** Topics listened to (or about to be, or lingering before they are dropped). */
  readonly #topics = new Map<string, TopicWatch>();
  #markReady!: () => void;
  #subscriber: Redis | undefined;
  #handlers: BusHandlers | undefined;
  #active = false;
  #started = false;
  #closed = false;

  /**
   * @param options - the connection, the channel prefix and the linger.
   * @param connection - a command connection to share (the backend's); internal.
   */
  constructor(options: RedisBusOptions, connection?: Connection) {
    if ('channel' in options) {
      throw new SsekitError(
        'invalid_option',
        'ssekit: the Redis bus has a channel per topic, `<prefix>c:<topic>`; give `prefix` instead of `channel`.',
      );
    }
    this.prefix = options.prefix ?? 'ssekit:';
    const linger = options.lingerMs ?? 1000;
    if (!Number.isSafeInteger(linger) || linger < 0) {
      throw new SsekitError('invalid_option', 'ssekit: the bus `lingerMs` must be a non-negative integer of ms.');
    }
    this.#lingerMs = linger;
    this.#connection = connection ?? new Connection(options, 'createRedisBus');
    this.#ownsConnection = connection === undefined;
    this.ready = new Promise<void>((resolve) => (this.#markReady = resolve));
  }

  /** The Pub/Sub channel of `topic`. */
  channelOf(topic: string): string {
    return `${this.prefix}c:${topic}`;
  }

  /** The topics whose channels this bus listens to, or will or still does (while lingering). */
  get watched(): readonly string[] {
    return [...this.#topics.keys()];
  }

  /** True while the subscriber connection is up and listens to every watched topic. */
  get active(): boolean {
    return this.#active;
  }

  /** True once a hub subscribed (and not yet unsubscribed). */
  get subscribed(): boolean {
    return this.#handlers !== undefined;
  }

  /**
   * {@inheritDoc @ssekit/core#Bus.subscribe}
   * Resolves once the subscriber connection is up, or once its first attempt failed (the bus
   * keeps trying; publishes fail with `unavailable` until it succeeds).
   */
  subscribe(handlers: BusHandlers): Promise<() => void> {
    if (this.#closed) throw new SsekitError('closed', 'ssekit: the Redis bus is closed.');
    if (this.#subscriber !== undefined) {
      throw new SsekitError('invalid_option', 'ssekit: a RedisBus serves one hub; create one bus per hub.');
    }
    this.#handlers = handlers;
    const subscriber = this.#connection.client.duplicate({
      lazyConnect: true,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      autoResubscribe: false,
      autoResendUnfulfilledCommands: false,
      commandTimeout: undefined,
    });
    this.#subscriber = subscriber;
    const unsubscribe = (): void => {
      this.#handlers = undefined;
      void this.#stop();
    };
    return new Promise((resolve) => {
      const start = (): void => {
        if (this.#started) return;
        this.#started = true;
        resolve(unsubscribe);
      };
      subscriber.on('message', (channel: string, message: string) => {
        // Not before the gap is told: ioredis emits messages that came in the same read as the
        // SUBSCRIBE reply before the reply's callback runs, and a stream handed one of them
        // would resume after it, past what was missed while the connection was down.
        if (this.#active) this.#receive(channel, message);
      });
      subscriber.on('error', (error: Error) => this.#connection.onError(error));
      subscriber.on('close', () => {
        this.#active = false;
        start();
      });
      // ioredis reconnects by itself; each new connection listens again, then reports the gap.
      subscriber.on('ready', () => {
        const watches = [...this.#topics];
        const channels = watches.map(([topic]) => this.channelOf(topic));
        const batches = [];
        for (let i = 0; i < channels.length; i += SUBSCRIBE_BATCH) {
          batches.push(subscriber.subscribe(...channels.slice(i, i + SUBSCRIBE_BATCH)));
        }
        Promise.all(batches).then(
          () => {
            if (subscriber.status !== 'ready' || this.#subscriber !== subscriber) return;
            this.#active = true;
            for (const [, watch] of watches) watch.confirm();
            this.#markReady();
            if (this.#started) this.#handlers?.gap?.();
            start();
          },
          (error: unknown) => this.#connection.onError(error as Error),
        );
      });
      subscriber.connect().catch(() => undefined);
    });
  }

  /**
   * {@inheritDoc @ssekit/core#Bus.watch}
   * Subscribes to the topic's channel unless this bus listens to it already; settles once Redis
   * confirmed it. Returns nothing for a topic confirmed already (one still lingering, say), so
   * the hub need not wait at all.
   */
  watch(topic: string): Promise<void> | undefined {
    const watch = this.#topics.get(topic);
    if (watch !== undefined) return watchAgain(watch);
    const added = new TopicWatch();
    this.#topics.set(topic, added);
    if (this.#closed) {
      added.confirm();
      return undefined;
    }
    const subscriber = this.#subscriber;
    // Written now, before the hub sends the stream's first byte: a publish made after a client
    // saw its stream open reaches Redis after this subscription. A connection that is not ready
    // subscribes to every watched topic once it is.
    if (subscriber?.status === 'ready') {
      subscriber.subscribe(this.channelOf(topic)).then(
        () => {
          if (this.#subscriber === subscriber && subscriber.status === 'ready') added.confirm();
        },
        // The connection dropped: the next one subscribes again and confirms.
        () => undefined,
      );
    }
    return added.confirmed;
  }

  /**
   * {@inheritDoc @ssekit/core#Bus.unwatch}
   * Unsubscribes from the topic's channel after `lingerMs`, unless it is watched again meanwhile.
   */
  unwatch(topic: string): void {
    unwatchAfter(this.#topics, topic, this.#lingerMs, () => {
      const subscriber = this.#subscriber;
      if (subscriber?.status === 'ready') subscriber.unsubscribe(this.channelOf(topic)).catch(() => undefined);
    });
  }

  /**
   * {@inheritDoc @ssekit/core#Bus.publish}
   * @throws SsekitError `unavailable` when Redis cannot be reached or this bus's subscriber
   * connection is down (the hub would not see its own event come back).
   */
  async publish(envelope: Envelope): Promise<void> {
    this.assertListening();
    const message = encodeEnvelope(envelope);
    await this.#connection.run((client) => client.publish(this.channelOf(envelope.topic), message));
  }

  /** Stops listening and closes the connections this bus opened. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers = undefined;
    await this.#stop();
    if (this.#ownsConnection) await this.#connection.close();
  }

  /**
   * Throws `unavailable` when a hub subscribed but the subscriber connection is down right now.
   * @internal
   */
  assertListening(): void {
    if (this.#closed) throw new SsekitError('closed', 'ssekit: the Redis bus is closed.');
    if (this.#handlers !== undefined && !this.#active) {
      throw new SsekitError(
        'unavailable',
        'ssekit: the Redis subscriber connection is down, so this process would miss its own events; retry when Redis is back.',
      );
    }
  }

  #receive(channel: string, message: string): void {
    const envelope = decodeEnvelope(message);
    if (envelope === undefined || channel !== this.channelOf(envelope.topic)) {
      this.#connection.onError(new Error(`ssekit: ignored a message on ${channel} that is not an ssekit envelope`));
      return;
    }
    this.#handlers?.envelope(envelope);
  }

  async #stop(): Promise<void> {
    const subscriber = this.#subscriber;
    if (subscriber === undefined) return;
    this.#active = false;
    subscriber.removeAllListeners('message');
    subscriber.removeAllListeners('ready');
    // Nobody will listen again: let whoever waits for a subscription go on (and find it closed).
    for (const watch of this.#topics.values()) {
      watch.stopLinger();
      watch.confirm();
    }
    this.#topics.clear();
    await quit(subscriber);
  }
}

/**
 * Creates a {@link RedisBus}.
 *
 * @example
 * ```ts
 * const bus = createRedisBus({ url: 'redis://127.0.0.1:6379', prefix: 'app:' });
 * const hub = createHub({ bus });
 * ```
 */
export function createRedisBus(options: RedisBusOptions): RedisBus {
  return new RedisBus(options);
}
