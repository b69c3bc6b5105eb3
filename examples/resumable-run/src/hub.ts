import { createHub, MemoryReplayStore } from '@ssekit/core';
import type { Hub, ReplayStore } from '@ssekit/core';
import { createRedisBackend } from '@ssekit/redis';
import type { RunConfig } from './config.js';
import type { RunEvents } from './events.js';
import { MAX_WORDS } from './runs.js';

/** The hub runs are published on, the store that keeps them, and what to wait for and close. */
export interface RunHub {
  hub: Hub<RunEvents>;
  store: ReplayStore;
  /** Settles once the hub can serve (Redis subscribed); listen after it. */
  ready: Promise<void>;
  /** Closes the backend; after `hub.close()`. */
  close: () => Promise<void>;
}

/**
 * In memory, or on Redis with `REDIS_URL`: then every process appends to the same history and
 * hears every publish, so a run produced on one process can be read, and resumed, on any other.
 */
export function createRunHub(config: RunConfig): RunHub {
  // A run must fit its topic's history whole, to be read from its start: the question, every
  // word, the final event.
  const size = MAX_WORDS + 2;
  const options = { retry: config.retryMs, heartbeatMs: config.heartbeatMs };
  if (config.redisUrl === undefined) {
    const store = new MemoryReplayStore({ size, topicTtlMs: config.topicTtlMs });
    const hub = createHub<RunEvents>({ ...options, store });
    // Nothing to close beside the hub.
    return { hub, store, ready: Promise.resolve(), close: () => Promise.resolve() };
  }
  const redis = createRedisBackend({ url: config.redisUrl, size, topicTtlMs: config.topicTtlMs });
  const hub = createHub<RunEvents>({ ...options, store: redis.store, bus: redis.bus });
  return { hub, store: redis.store, ready: redis.ready, close: () => redis.close() };
}
