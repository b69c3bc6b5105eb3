import { createRedisBackend } from '@ssekit/redis';

const redis = createRedisBackend({
  cluster: { nodes: ['10.0.0.1:7000', '10.0.0.2:7000'], redisOptions: { password: process.env.REDIS_PASSWORD } },
  // optional: topics read together share an ordering group (one slot, one clock)
  group: (topic) => topic.split('/')[0] ?? topic,
});

export { redis };
