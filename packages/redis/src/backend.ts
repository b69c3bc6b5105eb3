import { RedisBus } from './bus.js';
import { Connection } from './connection.js';
import type { RedisConnectionOptions } from './connection.js';
import { RedisReplayStore, checkStoreOptions } from './replay-store.js';
import type { ReplicaAcksOptions } from './replica-acks.js';

/** Options of {@link createRedisBackend}. */
export interface RedisBackendOptions extends RedisConnectionOptions {
  /**
   * Prepended to every key, and to the Pub/Sub channel of each topic, `<prefix>c:<topic>`.
   * @default 'ssekit:'
   */
  prefix?: string;
  /**
   * How long the bus stays subscribed to a topic after this process's last stream on it ended,
   * ms (see `RedisBusOptions.lingerMs`).
   * @default 1000
   */
  lingerMs?: number;
  /**
   * Recent events kept per topic (Redis may keep about 100 more, see `RedisReplayStoreOptions`).
   * @default 1000
   */
  size?: number;
  /**
   * Entries read per topic per round trip while replaying.
   * @default 200
   */
  pageSize?: number;
  /**
   * How long a topic's keys live after its last publish, ms; `0` keeps them (see
   * `RedisReplayStoreOptions.topicTtlMs`).
   * @default completed topics one hour, open topics for good
   */
  topicTtlMs?: number;
  /**
   * Publishes resolve only once that many replicas hold the event (`WAIT`); see
   * `RedisReplayStoreOptions.replicaAcks` for the cost and what a rejection means.
   * @default off
   */
  replicaAcks?: ReplicaAcksOptions;
}

/** A store and a bus that work as one; see {@link createRedisBackend}. */
export interface RedisBackend {
  /** Pass as `createHub({ store })`. Appending also publishes, atomically. */
  readonly store: RedisReplayStore;
  /** Pass as `createHub({ bus })`; serves one hub. */
  readonly bus: RedisBus;
  /**
   * Settles once the bus's subscriber connection is up. Await it before accepting connections, so no
   * stream opens before live delivery works (such a stream is ended once, to resume).
   */
  readonly ready: Promise<void>;
  /**
   * True while both connections are up, so a publish can succeed now: for a readiness probe.
   * After an outage each reconnects on its own schedule (within about a second).
   */
  readonly available: boolean;
  /** Closes both and the connections they opened. Call it after `hub.close()`. */
  close(): Promise<void>;
}

/**
 * The common setup: a {@link RedisReplayStore} and a {@link RedisBus} on one command
 * connection (plus the bus's subscriber connection), the store publishing through the bus in
 * the same script as it appends.
 *
 * @example
 * ```ts
 * const redis = createRedisBackend({ url: process.env.REDIS_URL });
 * const hub = createHub({ store: redis.store, bus: redis.bus });
 * await redis.ready;
 * // on shutdown
 * await hub.close();
 * await redis.close();
 * ```
 */
export function createRedisBackend(options: RedisBackendOptions): RedisBackend {
  checkStoreOptions(options);
  const connection = new Connection(options, 'createRedisBackend');
  const prefix = options.prefix ?? 'ssekit:';
  let bus: RedisBus;
  let store: RedisReplayStore;
  try {
    bus = new RedisBus({ ...options, prefix }, connection);
    store = new RedisReplayStore({ ...options, prefix, bus }, connection);
  } catch (err) {
    void connection.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    store,
    bus,
    ready: bus.ready,
    get available() {
      return store.connected && bus.active;
    },
    close: () => {
      closing ??= (async () => {
        await Promise.all([bus.close(), store.close()]);
        await connection.close();
      })();
      return closing;
    },
  };
}
