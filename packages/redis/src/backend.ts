import { SsekitError } from '@ssekit/core';
import type { Bus, ReplayStore } from '@ssekit/core';
import { RedisBus } from './bus.js';
import { linkedBackend } from './linked-backend.js';
import { createClusterBackend } from './cluster/backend.js';
import type { RedisClusterConnectionOptions } from './cluster/connection.js';
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
   * `RedisReplayStoreOptions.replicaAcks` for the cost and what a rejection means. On a Redis
   * Cluster the append and its `WAIT` go to the primary owning the topic's group, on the cluster
   * client's own connection to that node, and count that shard's replicas: a shard whose
   * replicas lag fails only its own topics' publishes, and while a `WAIT` waits, that node's
   * connection serves nothing else (replays of its topics included). A publish whose connection
   * to the primary is lost or times out rejects too; its event may or may not be stored.
   * @default off
   */
  replicaAcks?: ReplicaAcksOptions;
}

/** Options of {@link createRedisBackend} on a Redis Cluster. */
export interface RedisClusterBackendOptions extends Omit<RedisBackendOptions, 'url' | 'client' | 'sentinel'> {
  /**
   * A Redis Cluster instead of one Redis: `{ nodes: ['host:port', ...], redisOptions? }`. Each
   * topic's history, clock and sharded Pub/Sub channel live in the hash slot of its ordering
   * group (see `group`), so topics spread over the shards and a message touches only its
   * topic's shard.
   * @default none
   */
  cluster: RedisClusterConnectionOptions;
  /**
   * On a cluster, the ordering group of a topic: topics of one group share a slot (one shard)
   * and one clock, so their events keep one order. A stream on topics of one group gets the
   * events' own ids; a stream on several groups (at most 13) gets a cursor with a position per
   * group as its ids. Map topics that are read together to one group to keep such streams on
   * plain ids (e.g. `(topic) => topic.split('/')[0]` for `user-42/...`).
   * @default each topic is its own group
   */
  group?: (topic: string) => string;
}

/** A store and a bus on a Redis Cluster that work as one; see {@link createRedisBackend}. */
export interface RedisClusterBackend {
  /** Pass as `createHub({ store })`. Appending also publishes, atomically, on the topic's shard. */
  readonly store: ReplayStore;
  /** Pass as `createHub({ bus })`; serves one hub. */
  readonly bus: Bus;
  /** Settles once the bus knows the cluster's slots. Await it before accepting connections. */
  readonly ready: Promise<void>;
  /** True while the cluster client and every subscription of the bus are up. */
  readonly available: boolean;
  /** Closes both and the connections they opened. Call it after `hub.close()`. */
  close(): Promise<void>;
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
export function createRedisBackend(options: RedisClusterBackendOptions): RedisClusterBackend;
export function createRedisBackend(options: RedisBackendOptions): RedisBackend;
export function createRedisBackend(
  options: RedisBackendOptions | RedisClusterBackendOptions,
): RedisBackend | RedisClusterBackend;
export function createRedisBackend(
  options: RedisBackendOptions | RedisClusterBackendOptions,
): RedisBackend | RedisClusterBackend {
  // A JavaScript caller may give `cluster: undefined`: only a value picks the cluster backend.
  if ('cluster' in options && (options.cluster as unknown) !== undefined) return createClusterBackend(options);
  if ('group' in options && options.group !== undefined) {
    throw new SsekitError(
      'invalid_option',
      'ssekit: `group` orders topics on a Redis Cluster; on one Redis every topic shares one clock already. Leave it out, or give `cluster`.',
    );
  }
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
  return linkedBackend(store, bus, connection);
}
