import type { Redis } from 'ioredis';
import { SsekitError } from '@ssekit/core';
import type { Bus, BusHandlers, Envelope } from '@ssekit/core';
import { Connection, quit } from './connection.js';
import type { RedisConnectionOptions } from './connection.js';
import { decodeEnvelope, encodeEnvelope } from './envelope-codec.js';

/** Options of {@link createRedisBus}. */
export interface RedisBusOptions extends RedisConnectionOptions {
  /**
   * The Pub/Sub channel every process of one deployment shares.
   * @default 'ssekit:bus'
   */
  channel?: string;
}

/**
 * Fan-out between processes over Redis Pub/Sub, for one hub: `createHub({ bus })`. Envelopes
 * go out on the command connection and come back on a dedicated subscriber connection, in the
 * order Redis received them, to every process on the channel (this one included).
 *
 * When the subscriber connection drops, the bus reconnects and subscribes again by itself, then
 * tells the hub delivery had a gap; the hub ends its streams so that clients resume from the
 * replay store. While it is down, `publish` (and the linked store's `append`) fail with
 * `SsekitError('unavailable')`.
 */
export class RedisBus implements Bus {
  /** The channel it publishes and listens on. */
  readonly channel: string;
  /** Settles once the subscriber connection first listens on the channel. */
  readonly ready: Promise<void>;
  readonly #connection: Connection;
  /** False when the connection is shared (the backend's), so the backend closes it. */
  readonly #ownsConnection: boolean;
  #markReady!: () => void;
  #subscriber: Redis | undefined;
  #handlers: BusHandlers | undefined;
  #active = false;
  #started = false;
  #closed = false;

  /**
   * @param options - the connection and the channel.
   * @param connection - a command connection to share (the backend's); internal.
   */
  constructor(options: RedisBusOptions, connection?: Connection) {
    this.channel = options.channel ?? 'ssekit:bus';
    if (this.channel === '') throw new SsekitError('invalid_option', 'ssekit: the bus `channel` must not be empty.');
    this.#connection = connection ?? new Connection(options, 'createRedisBus');
    this.#ownsConnection = connection === undefined;
    this.ready = new Promise<void>((resolve) => (this.#markReady = resolve));
  }

  /** True while the subscriber connection listens on the channel. */
  get active(): boolean {
    return this.#active;
  }

  /** True once a hub subscribed (and not yet unsubscribed). */
  get subscribed(): boolean {
    return this.#handlers !== undefined;
  }

  /**
   * {@inheritDoc @ssekit/core#Bus.subscribe}
   * Resolves once the channel is listened to, or once the first connection attempt failed (the
   * bus keeps trying; publishes fail with `unavailable` until it succeeds).
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
        if (channel === this.channel) this.#receive(message);
      });
      subscriber.on('error', (error: Error) => this.#connection.onError(error));
      subscriber.on('close', () => {
        this.#active = false;
        start();
      });
      // ioredis reconnects by itself; each new connection listens again, then reports the gap.
      subscriber.on('ready', () => {
        subscriber.subscribe(this.channel).then(
          () => {
            if (subscriber.status !== 'ready' || this.#subscriber !== subscriber) return;
            this.#active = true;
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
   * {@inheritDoc @ssekit/core#Bus.publish}
   * @throws SsekitError `unavailable` when Redis cannot be reached or this bus's subscriber
   * connection is down (the hub would not see its own event come back).
   */
  async publish(envelope: Envelope): Promise<void> {
    this.assertListening();
    const message = encodeEnvelope(envelope);
    await this.#connection.run((client) => client.publish(this.channel, message));
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
   * Throws `unavailable` when a hub subscribed but the channel is not listened to right now.
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

  #receive(message: string): void {
    const envelope = decodeEnvelope(message);
    if (envelope === undefined) {
      this.#connection.onError(
        new Error(`ssekit: ignored a message on ${this.channel} that is not an ssekit envelope`),
      );
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
    await quit(subscriber);
  }
}

/**
 * Creates a {@link RedisBus}.
 *
 * @example
 * ```ts
 * const bus = createRedisBus({ url: 'redis://127.0.0.1:6379' });
 * const hub = createHub({ bus });
 * ```
 */
export function createRedisBus(options: RedisBusOptions): RedisBus {
  return new RedisBus(options);
}
