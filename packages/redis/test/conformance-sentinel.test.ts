import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineBusConformance, defineReplayStoreConformance, startRedisSentinel } from '@ssekit/testkit';
import type { RunningRedisSentinel } from '@ssekit/testkit';
import { createRedisBackend, createRedisBus, createRedisReplayStore } from '../src/index.js';
import type { SentinelConnectionOptions } from '../src/index.js';

// The shared Bus and ReplayStore contracts again, with Redis behind Sentinel (a private primary,
// replica and three sentinels): the same assertions as on a single instance.
let topology: RunningRedisSentinel;
let client: Redis;
let sentinel: SentinelConnectionOptions;
let unique = 0;

beforeAll(async () => {
  topology = await startRedisSentinel();
  sentinel = { sentinels: topology.sentinels, name: topology.masterName };
  // An application's own client in Sentinel mode, as `client` takes it.
  client = new Redis({
    sentinels: [...topology.sentinels],
    name: topology.masterName,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  });
  await new Promise((resolve) => client.once('ready', resolve));
});

afterAll(async () => {
  client.disconnect();
  await topology.stop();
});

defineReplayStoreConformance(
  'RedisReplayStore on Sentinel, own client',
  ({ size }) => createRedisReplayStore({ client, prefix: `sconf${++unique}:`, size }),
  { retentionSlack: 100 },
);

defineReplayStoreConformance(
  'RedisReplayStore on Sentinel, 7 entries a page',
  ({ size }) => createRedisReplayStore({ sentinel, prefix: `spaged${++unique}:`, size, pageSize: 7 }),
  { retentionSlack: 100 },
);

defineBusConformance('RedisBus on Sentinel', () => {
  const prefix = `sconf-bus-${++unique}:`;
  return { bus: () => createRedisBus({ sentinel, prefix }) };
});

describe('the sentinel option', () => {
  it('reaches the primary the sentinels name, and its writes reach the replica', async () => {
    const prefix = `sreach${++unique}:`;
    const backend = createRedisBackend({ sentinel, prefix });
    try {
      const stored = await backend.store.append({ topic: 't', body: 'data: 1\n\n' });
      const primary = await topology.primary();
      const replica = topology.dataPorts.find((port) => port !== primary)!;
      const direct = new Redis({ port: replica, host: '127.0.0.1' });
      try {
        // Replication is asynchronous: poll the replica, bounded.
        const deadline = Date.now() + 5000;
        let entries: unknown[] = [];
        while (entries.length === 0 && Date.now() < deadline) {
          entries = await direct.xrange(`${prefix}s:t`, '-', '+');
          if (entries.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(entries).toEqual([[`${stored.id}-0`, ['p', '0', 'b', 'data: 1\n\n']]]);
      } finally {
        direct.disconnect();
      }
    } finally {
      await backend.close();
    }
  });

  it('refuses sentinel options it cannot work with, naming the fix', () => {
    expect(() => createRedisBackend({ sentinel: { sentinels: [], name: 'x' } })).toThrow(
      /`sentinel.sentinels` must list at least one sentinel; give `sentinel: \{ sentinels/,
    );
    expect(() => createRedisBackend({ sentinel: { sentinels: [{ host: '127.0.0.1', port: 0 }], name: 'x' } })).toThrow(
      /needs a `host` and a `port` from 1 to 65535/,
    );
    expect(() => createRedisBackend({ sentinel: { sentinels: [{ host: '127.0.0.1', port: 1 }], name: '' } })).toThrow(
      /`sentinel.name` must be the name the sentinels monitor/,
    );
    expect(() => createRedisBackend({ sentinel, url: 'redis://127.0.0.1:1' })).toThrow(
      'ssekit: createRedisBackend needs exactly one of `client`, `url` and `sentinel`.',
    );
  });
});
