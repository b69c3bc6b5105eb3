// Per-shard figures for the capacity model: hub.publish on one Redis and on a private Redis
// Cluster (3 primaries, 3 replicas, loopback), with every topic in one ordering group (one shard
// does all the work), with a group per topic (spread over the three), and a group per topic with
// `replicaAcks` (WAIT 1 per shard, group-committed), one publish at a time and 16 in flight;
// then Redis memory per retained event and per topic on one cluster node.
// Bounded: fixed counts.
import { cpus } from 'node:os';
import type * as Core from '../packages/core/src/index.js';
import type * as RedisPackage from '../packages/redis/src/index.js';
import { startRedis } from '../packages/testkit/src/redis-server.js';
import { startRedisCluster } from '../packages/testkit/src/redis-cluster.js';
import { parseInfo, redisCall } from '../packages/testkit/src/resp.js';
import { formatOps, markdownTable } from './table.js';

const PUBLISHES = Number(process.env.BENCH_CLUSTER_PUBLISHES ?? 8000);
const TOPICS = 300;
const BODY = { data: 'x'.repeat(200) };

/** One measured run. */
export interface ClusterRow {
  mode: string;
  inFlight: number;
  p50Ms: number;
  perSecond: number;
  /** CPU the Redis primaries spent per publish, summed over them, µs. */
  redisCpuUs: number;
}

/** Memory one node of the cluster spends on retained history. */
export interface ClusterMemory {
  perEventBytes: number;
  perTopicBytes: number;
}

async function measure(publish: (n: number) => Promise<unknown>, count: number, inFlight: number) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const n = next++;
      const t0 = performance.now();
      await publish(n);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { inFlight, p50Ms: latencies[Math.floor(latencies.length / 2)] ?? 0, perSecond: count / seconds };
}

/** CPU seconds a Redis process has used, user and system. */
async function usedCpu(port: number): Promise<number> {
  const info = parseInfo(await redisCall(port, ['INFO', 'cpu']));
  return Number(info.get('used_cpu_user') ?? 0) + Number(info.get('used_cpu_sys') ?? 0);
}

async function usedMemory(port: number): Promise<number> {
  return Number(parseInfo(await redisCall(port, ['INFO', 'memory'])).get('used_memory') ?? 0);
}

/** Runs every mode and the memory probe; returns the rows. */
export async function runRedisClusterBench(): Promise<{ rows: ClusterRow[]; memory: ClusterMemory }> {
  const core = (await import(new URL('../packages/core/dist/index.js', import.meta.url).href)) as typeof Core;
  const redis = (await import(new URL('../packages/redis/dist/index.js', import.meta.url).href)) as typeof RedisPackage;
  const single = await startRedis();
  const topology = await startRedisCluster();
  const rows: ClusterRow[] = [];
  try {
    const nodes = topology.nodes.map(({ host, port }) => `${host}:${String(port)}`);
    const primaries = (await topology.shards()).map((shard) => shard.primary);
    const modes: {
      mode: string;
      options: RedisPackage.RedisBackendOptions | RedisPackage.RedisClusterBackendOptions;
      ports: number[];
    }[] = [
      { mode: 'one Redis', options: { url: single.url }, ports: [single.port] },
      { mode: 'cluster, one group (one shard)', options: { cluster: { nodes }, group: () => 'all' }, ports: primaries },
      { mode: 'cluster, a group per topic (3 shards)', options: { cluster: { nodes } }, ports: primaries },
      {
        mode: 'cluster, replicaAcks 1',
        options: { cluster: { nodes }, replicaAcks: { replicas: 1, timeoutMs: 500 } },
        ports: primaries,
      },
    ];
    const cpuOf = async (ports: readonly number[]): Promise<number> =>
      (await Promise.all(ports.map(usedCpu))).reduce((sum, cpu) => sum + cpu, 0);
    for (const [i, { mode, options, ports }] of modes.entries()) {
      const backend = redis.createRedisBackend({ ...options, prefix: `bench${String(i)}:` });
      const hub = core.createHub({ store: backend.store, bus: backend.bus, heartbeatMs: 0 });
      await backend.ready;
      try {
        const publish = (n: number): Promise<unknown> => hub.publish(`t${String(n % TOPICS)}`, BODY);
        await measure(publish, 600, 4); // warm-up: script load, JIT, connections to every shard
        for (const [count, inFlight] of [
          [PUBLISHES / 4, 1],
          [PUBLISHES, 16],
        ] as const) {
          const cpuBefore = await cpuOf(ports);
          const row = await measure(publish, count, inFlight);
          const redisCpuUs = (((await cpuOf(ports)) - cpuBefore) * 1e6) / count;
          rows.push({ mode, ...row, redisCpuUs });
        }
      } finally {
        await hub.close();
        await backend.close();
      }
    }
    // Memory: 1,000 events on one topic, then 1,000 topics of one event, on one shard's primary.
    const backend = redis.createRedisBackend({ cluster: { nodes }, prefix: 'mem:', group: () => 'g' });
    try {
      const port = await topology.primaryFor('mem:{g}:m');
      const before = await usedMemory(port);
      for (let n = 0; n < 1000; n++) await backend.store.append({ topic: 'one', body: `data: ${BODY.data}\n\n` });
      const afterEvents = await usedMemory(port);
      for (let n = 0; n < 1000; n++) await backend.store.append({ topic: `many-${String(n)}`, body: 'data: x\n\n' });
      const afterTopics = await usedMemory(port);
      return {
        rows,
        memory: { perEventBytes: (afterEvents - before) / 1000, perTopicBytes: (afterTopics - afterEvents) / 1000 },
      };
    } finally {
      await backend.close();
    }
  } finally {
    await topology.stop();
    await single.stop();
  }
}

/** Prints the rows as a markdown table with the machine it ran on. */
export function printRedisCluster(result: { rows: readonly ClusterRow[]; memory: ClusterMemory }): void {
  console.log(
    markdownTable(
      ['backend', 'in flight', 'p50 ms', 'publishes/s', 'Redis CPU µs / publish'],
      result.rows.map((row) => [
        row.mode,
        String(row.inFlight),
        row.p50Ms.toFixed(3),
        formatOps(row.perSecond),
        row.redisCpuUs.toFixed(1),
      ]),
      [false, true, true, true, true],
    ),
  );
  console.log(
    `\nhub.publish of a ~200 B event over ${String(TOPICS)} topics, ${String(cpus().length)} cores shared with ` +
      'every Redis process and the publisher. Cluster: 3 primaries + 3 replicas on loopback. Redis CPU: ' +
      'INFO cpu of the primaries (all three for the cluster), summed, per publish.' +
      `\nRedis memory on one cluster primary: ${result.memory.perEventBytes.toFixed(0)} B per retained event ` +
      `(200 B body), ${result.memory.perTopicBytes.toFixed(0)} B per topic with one event (stream, tombstone, hash).`,
  );
}
