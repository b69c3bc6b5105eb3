import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { RedisProcess, findRedisBinary, makeTempDir, onFreePort, removeTempDir, waitUntil } from './redis-process.js';
import { dataNodeArgs } from './redis-server.js';
import { redisCall, tryRedisCall } from './resp.js';
import { runCli } from './redis-cluster/cli.js';
import { clusterHealthy } from './redis-cluster/health.js';
import { nodesOf, shardsOf } from './redis-cluster/nodes.js';
import type { ClusterShard, RedisClusterOptions, RunningRedisCluster } from './redis-cluster/types.js';

export type { ClusterShard, RedisClusterOptions, RunningRedisCluster } from './redis-cluster/types.js';

/**
 * Starts a private Redis Cluster on 127.0.0.1: `primaries` primaries and as many replicas
 * (`redis-server --cluster-enabled yes` on free ports, each in its own folder of one temporary
 * directory), joined by `redis-cli --cluster create --cluster-replicas 1`. Resolves once every
 * node reports `cluster_state:ok` with all 16384 slots served, every node agrees on who serves
 * them, and every replica is in sync with its primary.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RunningRedisCluster> {
  const primaries = options.primaries ?? 3;
  if (!Number.isSafeInteger(primaries) || primaries < 3) throw new Error('a Redis Cluster needs at least 3 primaries');
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1000;
  const server = findRedisBinary('redis-server');
  const cli = findRedisBinary('redis-cli');
  const dir = makeTempDir('ssekit-redis-cluster-');
  const processes = new Map<number, RedisProcess>();
  let log = '';
  const output = (): string =>
    [log, ...[...processes.values()].map((node) => `--- node ${node.port} ---\n${node.output()}`)].join('\n');

  const argsFor = (port: number): string[] => {
    const nodeDir = path.join(dir, String(port));
    mkdirSync(nodeDir, { recursive: true });
    return [
      ...dataNodeArgs(port, nodeDir, { appendonly: options.appendonly === true }),
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      String(nodeTimeoutMs),
      // A replica may always take over, however long its link was down.
      '--cluster-replica-validity-factor',
      '0',
    ];
  };
  const launch = async (port: number): Promise<void> => {
    const node = await RedisProcess.start(server, argsFor(port), port);
    const before = processes.get(port);
    if (before !== undefined) log += `--- node ${port}, earlier run ---\n${before.output()}\n`;
    processes.set(port, node);
  };

  const stop = async (): Promise<void> => {
    await Promise.all([...processes.values()].map((node) => node.shutdown(false)));
    removeTempDir(dir);
  };

  try {
    // One after the other: a node binds its port and port + 10000 before the next one picks.
    for (let i = 0; i < primaries * 2; i++) await onFreePort(launch, { clusterBus: true });
    const ports = [...processes.keys()];
    log += await runCli(cli, [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
  } catch (err) {
    await stop();
    throw err;
  }

  const live = (): number[] => [...processes.values()].filter((node) => node.running).map((node) => node.port);
  const healthy = async (timeoutMs = 20_000): Promise<void> => {
    await waitUntil(() => clusterHealthy(live()), 'a healthy cluster', timeoutMs, output);
  };
  const shards = async (): Promise<ClusterShard[]> => {
    for (const port of live()) {
      const nodes = nodesOf(await tryRedisCall(port, ['CLUSTER', 'NODES']));
      if (nodes !== undefined) return shardsOf(nodes);
    }
    throw new Error(`no live cluster node answered CLUSTER NODES\n${output()}`);
  };
  const nodeOn = (port: number): RedisProcess => {
    const node = processes.get(port);
    if (node === undefined) throw new Error(`no node of this cluster on port ${port}`);
    return node;
  };

  try {
    await healthy();
  } catch (err) {
    await stop();
    throw err;
  }

  const ports = [...processes.keys()];
  return {
    nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    urls: ports.map((port) => `redis://127.0.0.1:${port}`),
    dir,
    shards,
    primaryFor: async (key) => {
      const port = live()[0];
      if (port === undefined) throw new Error('no node of the cluster is running');
      const slot = await redisCall(port, ['CLUSTER', 'KEYSLOT', key]);
      const shard = (await shards()).find((s) =>
        s.slots.some(([from, to]) => from <= Number(slot) && Number(slot) <= to),
      );
      if (shard === undefined) throw new Error(`nobody serves slot ${String(slot)}`);
      return shard.primary;
    },
    pid: (port) => {
      const node = nodeOn(port);
      return node.running ? node.pid : undefined;
    },
    killPrimary: async (port) => {
      const before = (await shards()).find((shard) => shard.primary === port);
      if (before === undefined) throw new Error(`the node on port ${port} is not a primary now`);
      await nodeOn(port).kill('SIGKILL');
      let promoted: number | undefined;
      await waitUntil(
        async () => {
          const now = await shards().catch(() => []);
          const owner = now.find((shard) => shard.slots.some(([from]) => from === before.slots[0]?.[0]))?.primary;
          if (owner === undefined || owner === port || !before.replicas.includes(owner)) return false;
          promoted = owner;
          return clusterHealthy(live());
        },
        `a replica of ${port} to take over its slots`,
        20_000,
        output,
      );
      return promoted as number;
    },
    kill: (port) => nodeOn(port).kill('SIGKILL'),
    start: async (port) => {
      if (nodeOn(port).running) return;
      await launch(port);
      await healthy();
    },
    healthy,
    stop,
    output,
  };
}
