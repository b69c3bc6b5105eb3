import { createHub } from '@ssekit/core';
import { createRedisBackend } from '@ssekit/redis';

const redis = createRedisBackend({ url: process.env.REDIS_URL, size: 1000 });
const hub = createHub({ store: redis.store, bus: redis.bus });
await redis.ready; // the bus listens: now accept connections

await hub.publish('news', { data: 'hello' }); // { id: '1732165200000001', delivered }
// on shutdown
await hub.close();
await redis.close();
