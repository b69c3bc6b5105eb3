import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineContractSuite } from '../../../packages/testkit/src/contract.js';
import { startDemo } from '../../../packages/testkit/src/demo.js';
import type { RunningDemo } from '../../../packages/testkit/src/demo.js';
import { eventually, publish, request } from '../../../packages/testkit/src/http.js';
import { startRedis } from '../../../packages/testkit/src/redis-server.js';
import type { RunningRedis } from '../../../packages/testkit/src/redis-server.js';
import { SseClient } from '../../../packages/testkit/src/sse-client.js';

// Two workers behind one port on a private Redis: the whole contract, then what is cluster-only.
let redis: RunningRedis;
const env: Record<string, string> = { WORKERS: '2' };

beforeAll(async () => {
  redis = await startRedis();
  // Read when the suites start their demos, after this hook.
  env.REDIS_URL = redis.url;
});

afterAll(async () => {
  await redis.stop();
});

defineContractSuite('cluster', env);

describe('examples/cluster', () => {
  let demo: RunningDemo;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    demo = await startDemo('cluster', { ...env, HEARTBEAT_MS: '0' });
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    expect(await demo.stop()).toBe(0);
  });

  it('spreads streams over its workers, reaches them all, and counts them all in /stats', async () => {
    for (let i = 0; i < 4; i++) {
      const client = await SseClient.connect(`${demo.url}/events?topic=spread`);
      clients.push(client);
      await client.waitFor((c) => c.raw === 'retry: 3000\n', 5000, 'the retry line');
    }
    const answer = await publish(demo.url, { topic: 'spread', data: 'to all' });
    expect(answer.status).toBe(202);
    const { id } = answer.json as { id: string };
    for (const client of clients) {
      await client.waitForEvents(1);
      expect(client.raw).toBe(`retry: 3000\nid: ${id}\ndata: to all\n\n`);
    }
    let workers: { pid: number; connections: number }[] = [];
    await eventually(async () => {
      const body = (await request(`${demo.url}/stats`)).json as { connections: number; workers: typeof workers };
      workers = body.workers;
      return body.connections === 4;
    }, 'four connections in /stats');
    // The primary hands connections to the workers in turn.
    expect(workers.length).toBe(2);
    expect(workers.map((worker) => worker.connections)).toEqual([2, 2]);
  });
});
