import { createRedisBackend } from '@ssekit/redis';

const redis = createRedisBackend({
  sentinel: {
    sentinels: [
      { host: '10.0.0.1', port: 26379 },
      { host: '10.0.0.2', port: 26379 },
    ],
    name: 'mymaster', // as in `sentinel monitor mymaster ...`
    redisOptions: { password: process.env.REDIS_PASSWORD }, // any other ioredis options
  },
});

export { redis };
