import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { defineBusConformance, defineReplayStoreConformance, startRedis } from '@ssekit/testkit';
import type { RunningRedis } from '@ssekit/testkit';
import { createRedisBus, createRedisReplayStore } from '../src/index.js';

// The shared Bus and ReplayStore contracts, against a private redis-server.
let redis: RunningRedis;
let client: Redis;
let unique = 0;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  await new Promise((resolve) => client.once('ready', resolve));
});

afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

// Redis trims with MAXLEN ~: up to one stream node (100 entries) more than `size`.
defineReplayStoreConformance(
  'RedisReplayStore',
  ({ size }) => createRedisReplayStore({ client, prefix: `conf${++unique}:`, size }),
  { retentionSlack: 100 },
);

// Small pages, so every replay above spans several round trips.
defineReplayStoreConformance(
  'RedisReplayStore, 7 entries a page',
  ({ size }) => createRedisReplayStore({ url: redis.url, prefix: `paged${++unique}:`, size, pageSize: 7 }),
  { retentionSlack: 100 },
);

defineBusConformance('RedisBus', () => {
  const prefix = `conf-bus-${++unique}:`;
  return { bus: () => createRedisBus({ url: redis.url, prefix }) };
});
