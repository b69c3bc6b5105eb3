import { Redis } from 'ioredis';
import type { Cluster, RedisOptions } from 'ioredis';
import { quit, withTimeout } from '../connection.js';

/** What a {@link ShardSubscriber} tells its bus. @internal */
export interface ShardEvents {
  /** A message arrived on one of its channels. */
  message(shard: ShardSubscriber, channel: string, message: string): void;
  /** The connection closed, or ioredis lost track of its replies: every channel on it is lost. */
  lost(shard: ShardSubscriber): void;
  /**
   * The server unsubscribed one channel by itself: its slot moved to another shard.
   * @returns false when the channel is not one the bus listens to on this connection.
   */
  dropped(shard: ShardSubscriber, channel: string): boolean;
  /** Any other error of the connection, to report. */
  error(error: Error): void;
}

/**
 * What every subscriber connection overrides in the node's options. It never reconnects: when
 * it is lost, the bus asks the cluster who owns each slot now and opens a connection there.
 */
const SUBSCRIBER_OPTIONS: RedisOptions = {
  lazyConnect: false,
  // The ready check's INFO could reach a connection already in subscriber mode, which then
  // closes (REDIS-NOTES.md (a)).
  enableReadyCheck: false,
  // SSUBSCRIBE is written at once and sent when the connection is up.
  enableOfflineQueue: true,
  autoResubscribe: false,
  autoResendUnfulfilledCommands: false,
  retryStrategy: () => null,
  reconnectOnError: null,
  readOnly: false,
  keyPrefix: undefined,
  commandTimeout: undefined,
};

const QUEUE_STATE_ERROR = 'Command queue state error';
/** How ioredis 5 reports the server's unsolicited `sunsubscribe <channel> <count>`. */
const UNSOLICITED_SUNSUBSCRIBE = /Last reply: sunsubscribe,([\s\S]*),\d+$/;

/**
 * One subscriber connection to one primary of a Redis Cluster, holding the shard channels of
 * the slots it serves. ioredis's own `shardedSubscribers` is not used: it misses messages after
 * a slot moves and never says that it did. @internal
 */
export class ShardSubscriber {
  /** The primary, `host:port` as the cluster's slot map names it. */
  readonly node: string;
  readonly #client: Redis;
  readonly #events: ShardEvents;
  /** Channels the server dropped, each reported once (ioredis reports it twice). */
  readonly #dropped = new Set<string>();
  #gone = false;

  constructor(cluster: Cluster, node: string, events: ShardEvents) {
    this.node = node;
    this.#events = events;
    const colon = node.lastIndexOf(':');
    const address = { host: node.slice(0, colon), port: Number(node.slice(colon + 1)) };
    // The cluster's own connection to that node carries its auth, TLS and per-node options.
    const known = cluster
      .nodes('all')
      .find((client) => `${client.options.host}:${client.options.port}` === node)?.options;
    const base: RedisOptions = known ?? { ...cluster.options.redisOptions };
    this.#client = new Redis({ ...base, ...address, ...SUBSCRIBER_OPTIONS });
    this.#client.on('smessage', (channel: string, message: string) => {
      if (!this.#gone) this.#events.message(this, channel, message);
    });
    this.#client.on('close', () => this.#lose());
    this.#client.on('error', (error: Error) => this.#error(error));
  }

  /** True once the connection is lost or closed; a new one replaces it. */
  get gone(): boolean {
    return this.#gone;
  }

  /**
   * Subscribes to one shard channel.
   * @returns true once the server confirmed it on this (still open) connection; false when it
   * failed or did not settle within `timeoutMs` (a node that does not own the slot answers
   * `MOVED`, which ioredis drops without settling the command).
   */
  async subscribe(channel: string, timeoutMs: number): Promise<boolean> {
    if (this.#gone) return false;
    this.#dropped.delete(channel);
    try {
      await withTimeout(this.#client.ssubscribe(channel), timeoutMs);
      return !this.#gone;
    } catch {
      return false;
    }
  }

  /** Stops listening to a channel; a failure does not matter, the messages are ignored anyway. */
  unsubscribe(channel: string): void {
    if (!this.#gone) this.#client.sunsubscribe(channel).catch(() => undefined);
  }

  /** Closes the connection without reporting it lost. */
  async close(): Promise<void> {
    this.#gone = true;
    await quit(this.#client);
  }

  #error(error: Error): void {
    if (!error.message.startsWith(QUEUE_STATE_ERROR)) {
      this.#events.error(error);
      return;
    }
    const unsolicited = UNSOLICITED_SUNSUBSCRIBE.exec(error.message);
    const channel = unsolicited?.[1];
    if (channel !== undefined && this.#dropped.has(channel)) return;
    if (channel !== undefined) {
      this.#dropped.add(channel);
      // A channel the bus does not listen to here: the server's notice settled a command
      // waiting for another reply (our own SUNSUBSCRIBE, say), whose reply came after it.
      if (this.#gone || this.#events.dropped(this, channel)) return;
    }
    // Any other reply without a command waiting for it: replies and commands may be paired
    // wrongly from here on (an unsolicited sunsubscribe settles a waiting SSUBSCRIBE), so no
    // confirmation on this connection can be trusted.
    this.#events.error(error);
    this.#lose();
  }

  #lose(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#client.disconnect();
    this.#events.lost(this);
  }
}
