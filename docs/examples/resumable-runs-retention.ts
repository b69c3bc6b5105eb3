import { createHub, MemoryReplayStore } from '@ssekit/core';
import { createRedisBackend } from '@ssekit/redis';

const HOUR = 60 * 60 * 1000;

// In memory: every run kept an hour after its last event, at most 1,000 runs and 32 Mi
// characters of event text; past a bound, the least recently published runs go first.
export const local = createHub({
  store: new MemoryReplayStore({ size: 10_000, topicTtlMs: HOUR, maxTopics: 1000, maxBytes: 32 * 1024 * 1024 }),
});

// On Redis: the same time to live, as Redis's own expiry on each run's keys, refreshed on every
// publish, so a run costs nothing once it has expired. Every process sharing the Redis serves
// every run.
const redis = createRedisBackend({ url: process.env.REDIS_URL, size: 10_000, topicTtlMs: HOUR });
export const shared = createHub({ store: redis.store, bus: redis.bus });

// One topic may have its own: a run kept for a day, given on its publishes.
declare const tokens: AsyncIterable<string>;
await shared.pipe('run:keep-me', tokens, { ttlMs: 24 * HOUR });
