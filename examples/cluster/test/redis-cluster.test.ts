import { afterAll, beforeAll } from 'vitest';
import { defineContractSuite } from '../../../packages/testkit/src/contract.js';
import { startRedisCluster } from '../../../packages/testkit/src/redis-cluster.js';
import type { RunningRedisCluster } from '../../../packages/testkit/src/redis-cluster.js';

// The whole contract again, two workers on a private Redis Cluster (REDIS_CLUSTER_NODES): each
// topic is its own ordering group, so a stream on several topics gets group cursors as ids.
let topology: RunningRedisCluster;
const env: Record<string, string> = { WORKERS: '2' };

beforeAll(async () => {
  topology = await startRedisCluster();
  // Read when the suite starts its demo, after this hook.
  env.REDIS_CLUSTER_NODES = topology.nodes.map(({ host, port }) => `${host}:${String(port)}`).join(',');
});

afterAll(async () => {
  await topology.stop();
});

defineContractSuite('cluster', env, { multiTopicIds: 'cursor' });
