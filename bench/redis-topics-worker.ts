// One "process" of the `redis-topics` benchmark, started by bench/redis-topics.ts: a hub on a
// Redis backend with one stream on each topic it serves (topic i where i % processes === index).
// It tells the parent over IPC once its streams are live, then, when asked, what its bus
// connection read from Redis (bytes on the socket) and how many events its streams received.
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Core from '../packages/core/src/index.js';
import type * as RedisPackage from '../packages/redis/src/index.js';
import type { Redis as RedisClient } from '../packages/redis/node_modules/ioredis/built/index.js';
import { ROOT } from './fanout/servers.js';

/** What the parent passes in argv, as JSON. */
export interface TopicsWorkerSpec {
  url: string;
  prefix: string;
  index: number;
  processes: number;
  topics: number;
}

/** What the worker answers to `{ type: 'report' }`. */
export interface TopicsWorkerReport {
  type: 'report';
  index: number;
  /** Bytes its bus's subscriber connection read since the streams went live. */
  bytes: number;
  /** Events its streams received. */
  delivered: number;
  /** Channels its bus listens to. */
  watched: number;
}

const spec = JSON.parse(process.argv[2] ?? '') as TopicsWorkerSpec;
const core = (await import(new URL('../packages/core/dist/index.js', import.meta.url).href)) as typeof Core;
const redisPackage = (await import(
  new URL('../packages/redis/dist/index.js', import.meta.url).href
)) as typeof RedisPackage;
const { Redis } = createRequire(path.join(ROOT, 'packages/redis/package.json'))(
  'ioredis',
) as typeof import('../packages/redis/node_modules/ioredis/built/index.js');

// Our own command client, so that the subscriber connection ssekit duplicates from it can be
// found and its socket's byte count read: the bench's only way in.
const client = new Redis(spec.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
let subscriber: RedisClient | undefined;
const duplicate = client.duplicate.bind(client);
client.duplicate = (options) => (subscriber = duplicate(options));
const backend = redisPackage.createRedisBackend({ client, prefix: spec.prefix });
const hub = core.createHub({ store: backend.store, bus: backend.bus, heartbeatMs: 0 });
await backend.ready;

const sink = { write: () => true, end: () => undefined };
const streams = [];
for (let topic = spec.index; topic < spec.topics; topic += spec.processes) {
  streams.push(hub.subscribe(sink, { topics: [`room-${topic}`] }));
}
await Promise.all(streams.map((stream) => stream.ready));
const socketOf = (redis: RedisClient | undefined): { bytesRead: number } | undefined =>
  (redis as unknown as { stream?: { bytesRead: number } } | undefined)?.stream;
const bytesAtStart = socketOf(subscriber)?.bytesRead ?? 0;
const deliveredAtStart = hub.stats().delivered;

process.on('message', (message: { type: string }) => {
  if (message.type === 'report') {
    const report: TopicsWorkerReport = {
      type: 'report',
      index: spec.index,
      bytes: (socketOf(subscriber)?.bytesRead ?? 0) - bytesAtStart,
      delivered: hub.stats().delivered - deliveredAtStart,
      watched: backend.bus.watched.length,
    };
    process.send?.(report);
  } else if (message.type === 'stop') {
    void (async () => {
      await hub.close();
      await backend.close();
      client.disconnect();
      process.disconnect();
    })();
  }
});
process.send?.({ type: 'ready', index: spec.index });
