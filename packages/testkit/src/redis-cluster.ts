import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  RedisProcess,
  findRedisBinary,
  makeTempDir,
  onFreePort,
  removeTempDir,
  running,
  waitUntil,
} from './redis-process.js';
import { dataNodeArgs } from './redis-server.js';
import { parseInfo, redisCall, tryRedisCall } from './resp.js';
import type { RedisReply } from './resp.js';

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /**
   * How many primaries (Redis Cluster needs at least 3); each gets one replica.
   * @default 3
   */
  primaries?: number;
  /**
   * `--appendonly yes` on every node, so a node restarted by `start(port)` keeps its data.
   * @default false
   */
  appendonly?: boolean;
  /**
   * `cluster-node-timeout`: how long a node may be unreachable before it is failed over. Small,
   * so a test's failover takes a second or two.
   * @default 1000
   */
  nodeTimeoutMs?: number;
}

/** One shard of the cluster as its nodes see it now. */
export interface ClusterShard {
  /** The primary's port. */
  readonly primary: number;
  /** Its replicas' ports (live or not). */
  readonly replicas: readonly number[];
  /** Its slot ranges, `[first, last]` inclusive. */
  readonly slots: readonly (readonly [number, number])[];
}

/** A private Redis Cluster started by {@link startRedisCluster}. */
export interface RunningRedisCluster {
  /** Every node's address, for `new Cluster(nodes)` (ioredis) or any client's startup list. */
  readonly nodes: readonly { readonly host: string; readonly port: number }[];
  /** Every node as `redis://127.0.0.1:PORT`. */
  readonly urls: readonly string[];
  /** The temporary directory holding one folder per node. */
  readonly dir: string;
  /** The shards as a live node reports them (`CLUSTER NODES`), ordered by first slot. */
  shards(): Promise<ClusterShard[]>;
  /** The port of the primary serving `key`'s slot now (`CLUSTER KEYSLOT`, hash tags included). */
  primaryFor(key: string): Promise<number>;
  /** The PID of the node on `port`, `undefined` while it is not running. */
  pid(port: number): number | undefined;
  /**
   * Kills the primary on `port` (SIGKILL to its process), then waits until one of its replicas
   * serves its slots and every live node reports the cluster `ok` and every slot served.
   * @returns the promoted replica's port.
   */
  killPrimary(port: number): Promise<number>;
  /** Kills the node on `port` (SIGKILL) and returns at once: no waiting for a failover. */
  kill(port: number): Promise<void>;
  /**
   * Starts the node on `port` again with its node file (it rejoins; a former primary comes back
   * as a replica of its successor, or as the primary of its slots when nobody took over), and
   * waits until the cluster is healthy again.
   */
  start(port: number): Promise<void>;
  /** Resolves once every live node says the cluster is healthy (as after start). */
  healthy(timeoutMs?: number): Promise<void>;
  /** Ends exactly the processes this cluster started and removes its directory. */
  stop(): Promise<void>;
  /** What every node (and `redis-cli --cluster create`) printed, for failure messages. */
  output(): string;
}

const SLOTS = 16_384;

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

/**
 * True when every live node answers, says `cluster_state:ok` with every slot served, and sees
 * every live node healthy in its place (a primary serving slots, or a replica whose link to its
 * primary is up); and all of them agree on who serves which slots.
 */
async function clusterHealthy(ports: readonly number[]): Promise<boolean> {
  const views = new Set<string>();
  for (const port of ports) {
    const info = parseInfo(await tryRedisCall(port, ['CLUSTER', 'INFO']));
    if (info.get('cluster_state') !== 'ok' || info.get('cluster_slots_ok') !== String(SLOTS)) return false;
    const nodes = nodesOf(await tryRedisCall(port, ['CLUSTER', 'NODES']));
    if (nodes === undefined) return false;
    for (const other of ports) {
      const node = nodes.find((candidate) => candidate.port === other);
      if (node === undefined || node.flags.includes('fail') || node.flags.includes('fail?')) return false;
      const placed = node.flags.includes('master') ? node.slots.length > 0 : node.primaryId !== '-';
      if (!placed) return false;
    }
    const shards = shardsOf(nodes);
    if (shards.some((shard) => !ports.includes(shard.primary))) return false;
    views.add(JSON.stringify(shards.map((shard) => [shard.primary, shard.slots])));
    const replication = parseInfo(await tryRedisCall(port, ['INFO', 'replication']));
    if (replication.get('role') === 'slave' && replication.get('master_link_status') !== 'up') return false;
  }
  return views.size === 1;
}

interface ClusterNode {
  readonly id: string;
  readonly port: number;
  readonly flags: readonly string[];
  /** The primary's id for a replica, `-` for a primary. */
  readonly primaryId: string;
  readonly slots: [number, number][];
}

/** A `CLUSTER NODES` reply, one entry per line. */
function nodesOf(reply: RedisReply | undefined): ClusterNode[] | undefined {
  if (typeof reply !== 'string') return undefined;
  return reply
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id = '', address = '', flags = '', primaryId = '', , , , , ...slots] = line.trim().split(' ');
      return {
        id,
        port: Number(/:(\d+)@/.exec(address)?.[1]),
        flags: flags.split(','),
        primaryId,
        // Ranges `a-b` and single slots `a`; `[slot->-node]` entries mark a migration in progress.
        slots: slots
          .filter((slot) => !slot.startsWith('['))
          .map((slot) => slot.split('-').map(Number))
          .map(([from = 0, to = from]) => [from, to] as [number, number]),
      };
    });
}

/**
 * The shards: one per primary serving slots, with its replicas. (`CLUSTER SLOTS` leaves out
 * replicas that have not replicated a write yet, so an idle cluster would seem to have none.)
 */
function shardsOf(nodes: readonly ClusterNode[]): ClusterShard[] {
  return nodes
    .filter((node) => node.flags.includes('master') && !node.flags.includes('fail') && node.slots.length > 0)
    .map((primary) => ({
      primary: primary.port,
      replicas: nodes
        .filter((node) => node.primaryId === primary.id)
        .map((node) => node.port)
        .sort((a, b) => a - b),
      slots: [...primary.slots].sort((a, b) => a[0] - b[0]),
    }))
    .sort((a, b) => (a.slots[0]?.[0] ?? 0) - (b.slots[0]?.[0] ?? 0));
}

/** Runs `redis-cli args` to its end (30 s at most) and resolves to what it printed. */
function runCli(cli: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = `$ redis-cli ${args.join(' ')}\n`;
    child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const timer = setTimeout(() => {
      if (running(child)) child.kill('SIGKILL');
    }, 30_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${err.message}\n${printed}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(printed);
      else reject(new Error(`redis-cli exited with ${String(code ?? signal)}:\n${printed}`));
    });
  });
}
