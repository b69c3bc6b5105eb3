import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RedisProcess, findRedisBinary, makeTempDir, onFreePort, removeTempDir, waitUntil } from './redis-process.js';
import { dataNodeArgs } from './redis-server.js';
import { parseInfo, tryRedisCall } from './resp.js';

/** Options of {@link startRedisSentinel}. */
export interface RedisSentinelOptions {
  /**
   * The name the sentinels monitor the primary under (`sentinel monitor <name> ...`).
   * @default 'ssekit'
   */
  masterName?: string;
  /**
   * `--appendonly yes` on both data nodes, so a node restarted by `start(port)` keeps its data.
   * @default false
   */
  appendonly?: boolean;
  /**
   * `down-after-milliseconds`: how long the primary may be unreachable before the sentinels
   * fail it over. Small, so a test's failover takes a few seconds.
   * @default 1000
   */
  downAfterMs?: number;
}

/** A private primary, replica and three sentinels started by {@link startRedisSentinel}. */
export interface RunningRedisSentinel {
  /** What the sentinels monitor the primary as. */
  readonly masterName: string;
  /** The sentinels' addresses, for `new Redis({ sentinels, name: masterName })` (ioredis). */
  readonly sentinels: readonly { readonly host: string; readonly port: number }[];
  /** The two data nodes' ports, the first primary first. */
  readonly dataPorts: readonly number[];
  /** The temporary directory holding one folder per process. */
  readonly dir: string;
  /** The primary's port as the sentinels report it now (the first live one asked). */
  primary(): Promise<number>;
  /** The PID of the process on `port` (data node or sentinel), `undefined` while it is not running. */
  pid(port: number): number | undefined;
  /**
   * Kills the current primary (SIGKILL to its process), then waits until every live sentinel
   * reports the replica as the new primary and that replica says it is one.
   * @returns `{ killed, promoted }`: the two data nodes' ports.
   */
  killPrimary(): Promise<{ killed: number; promoted: number }>;
  /** Kills the process on `port` (SIGKILL) and returns at once. */
  kill(port: number): Promise<void>;
  /**
   * Starts the data node on `port` again, as a replica of the primary the sentinels report (or
   * as the primary, when they still report it), and waits until it is in sync.
   */
  start(port: number): Promise<void>;
  /** Ends exactly the processes it started and removes its directory. */
  stop(): Promise<void>;
  /** What every process printed, for failure messages. */
  output(): string;
}

/**
 * Starts a private Sentinel setup on 127.0.0.1: a primary, one replica, and three sentinels
 * (`redis-server <conf> --sentinel`) monitoring the primary as `masterName` with quorum 2 and
 * short timeouts, all on free ports in one temporary directory. Resolves once the replica is in
 * sync and every sentinel knows the replica and the two other sentinels.
 */
export async function startRedisSentinel(options: RedisSentinelOptions = {}): Promise<RunningRedisSentinel> {
  const masterName = options.masterName ?? 'ssekit';
  if (!/^[A-Za-z0-9._-]+$/.test(masterName)) throw new Error('the master name must be of [A-Za-z0-9._-]');
  const downAfterMs = options.downAfterMs ?? 1000;
  const binary = findRedisBinary('redis-server');
  const dir = makeTempDir('ssekit-redis-sentinel-');
  const processes = new Map<number, RedisProcess>();
  const dataPorts: number[] = [];
  const sentinelPorts: number[] = [];
  let log = '';
  const output = (): string =>
    [log, ...[...processes.values()].map((p) => `--- ${role(p.port)} ${p.port} ---\n${p.output()}`)].join('\n');
  const role = (port: number): string => (sentinelPorts.includes(port) ? 'sentinel' : 'data node');

  const dataArgs = (port: number, replicaOf?: number): string[] => {
    const nodeDir = path.join(dir, String(port));
    mkdirSync(nodeDir, { recursive: true });
    const args = dataNodeArgs(port, nodeDir, { appendonly: options.appendonly === true });
    return replicaOf === undefined ? args : [...args, '--replicaof', '127.0.0.1', String(replicaOf)];
  };
  const launch = async (port: number, args: string[]): Promise<void> => {
    const started = await RedisProcess.start(binary, args, port);
    const before = processes.get(port);
    if (before !== undefined) log += `--- ${role(port)} ${port}, earlier run ---\n${before.output()}\n`;
    processes.set(port, started);
  };
  const stop = async (): Promise<void> => {
    // Sentinels first, so none of them reconfigures a data node while it goes.
    const sentinels = [...processes.values()].filter((p) => sentinelPorts.includes(p.port));
    await Promise.all(sentinels.map((p) => p.shutdown(false)));
    await Promise.all([...processes.values()].map((p) => p.shutdown(false)));
    removeTempDir(dir);
  };
  const live = (ports: readonly number[]): number[] => ports.filter((port) => processes.get(port)?.running === true);
  /** What each live sentinel says the primary is. */
  const reported = async (): Promise<(number | undefined)[]> =>
    Promise.all(
      live(sentinelPorts).map(async (port) => {
        const reply = await tryRedisCall(port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName]);
        return Array.isArray(reply) ? Number(reply[1]) : undefined;
      }),
    );
  const inSync = async (port: number): Promise<boolean> => {
    const replication = parseInfo(await tryRedisCall(port, ['INFO', 'replication']));
    return replication.get('role') === 'slave' && replication.get('master_link_status') === 'up';
  };

  try {
    const primary = await onFreePort(async (port) => {
      await launch(port, dataArgs(port));
      return port;
    });
    dataPorts.push(primary);
    dataPorts.push(
      await onFreePort(async (port) => {
        await launch(port, dataArgs(port, primary));
        return port;
      }),
    );
    for (let i = 0; i < 3; i++) {
      sentinelPorts.push(
        await onFreePort(async (port) => {
          const sentinelDir = path.join(dir, `sentinel-${port}`);
          mkdirSync(sentinelDir, { recursive: true });
          // Sentinels rewrite their configuration file as they learn: each gets its own.
          const conf = path.join(sentinelDir, 'sentinel.conf');
          writeFileSync(
            conf,
            [
              `port ${port}`,
              'bind 127.0.0.1',
              'daemonize no',
              `dir ${sentinelDir}`,
              'loglevel notice',
              `sentinel monitor ${masterName} 127.0.0.1 ${primary} 2`,
              `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
              `sentinel failover-timeout ${masterName} ${Math.max(3 * downAfterMs, 3000)}`,
              `sentinel parallel-syncs ${masterName} 1`,
              '',
            ].join('\n'),
          );
          await launch(port, [conf, '--sentinel']);
          return port;
        }),
      );
    }
    await waitUntil(
      async () => {
        if (!(await inSync(dataPorts[1]!))) return false;
        for (const port of sentinelPorts) {
          const reply = await tryRedisCall(port, ['SENTINEL', 'MASTER', masterName]);
          if (!Array.isArray(reply)) return false;
          const fields = new Map<string, string>();
          for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), String(reply[i + 1]));
          if (fields.get('num-slaves') !== '1' || fields.get('num-other-sentinels') !== '2') return false;
          if (fields.get('flags') !== 'master') return false;
        }
        return true;
      },
      'the sentinels to know the replica and each other',
      20_000,
      output,
    );
  } catch (err) {
    await stop();
    throw err;
  }

  const primaryNow = async (): Promise<number> => {
    const port = (await reported()).find((p) => p !== undefined);
    if (port === undefined) throw new Error(`no live sentinel reports a primary\n${output()}`);
    return port;
  };
  const processOn = (port: number): RedisProcess => {
    const found = processes.get(port);
    if (found === undefined) throw new Error(`no process of this setup on port ${port}`);
    return found;
  };
  return {
    masterName,
    sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
    dataPorts,
    dir,
    primary: primaryNow,
    pid: (port) => {
      const found = processOn(port);
      return found.running ? found.pid : undefined;
    },
    killPrimary: async () => {
      const killed = await primaryNow();
      const promoted = dataPorts.find((port) => port !== killed) as number;
      await processOn(killed).kill('SIGKILL');
      await waitUntil(
        async () => {
          const now = await reported();
          if (now.length === 0 || now.some((port) => port !== promoted)) return false;
          const replication = parseInfo(await tryRedisCall(promoted, ['INFO', 'replication']));
          return replication.get('role') === 'master';
        },
        `the sentinels to promote ${promoted}`,
        30_000,
        output,
      );
      return { killed, promoted };
    },
    kill: (port) => processOn(port).kill('SIGKILL'),
    start: async (port) => {
      if (!dataPorts.includes(port)) throw new Error(`${port} is not a data node of this setup`);
      if (processOn(port).running) return;
      // A former primary comes back as the replica of the one the sentinels promoted, as its
      // rewritten configuration would say (the sentinels would take up to 10 s to tell it).
      const primary = await primaryNow();
      await launch(port, dataArgs(port, primary === port ? undefined : primary));
      await waitUntil(
        async () => primary === port || (await inSync(port)),
        `${port} to rejoin as a replica`,
        20_000,
        output,
      );
    },
    stop,
    output,
  };
}
