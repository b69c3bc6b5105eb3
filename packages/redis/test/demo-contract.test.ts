import { afterAll, beforeAll } from 'vitest';
import { defineContractSuite, startRedis } from '@ssekit/testkit';
import type { RunningRedis } from '@ssekit/testkit';

// The node-http demo still follows the whole contract when its hub runs on Redis.
let redis: RunningRedis;
const env: Record<string, string> = {};

beforeAll(async () => {
  redis = await startRedis();
  // Read when the suite starts its demo, after this hook.
  env.REDIS_URL = redis.url;
});

afterAll(async () => {
  await redis.stop();
});

defineContractSuite('node-http', env);
