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
  replicaAcks: { replicas: 1, timeoutMs: 500 }, // optional: publishes wait for a replica
});

export { redis };
