import { mkdirSync } from 'node:fs';
import { RedisProcess, findRedisBinary, makeTempDir, onFreePort, removeTempDir } from './redis-process.js';

/** A private `redis-server` started by {@link startRedis}. */
export interface RunningRedis {
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** Its working directory (where `stop({ keepData: true })` saves what `start()` loads). */
  readonly dir: string;
  /**
   * Shuts the server down and removes its directory. With `{ keepData: true }` it saves its data
   * first (`SHUTDOWN SAVE`) and keeps it, so that `start()` brings the same data back: an
   * outage, not a loss.
   */
  stop(options?: { keepData?: boolean }): Promise<void>;
  /** Starts it again on the same port (after `stop()`); resolves once it answers PING. */
  start(): Promise<void>;
  /** `stop()` then `start()`; keeps the data unless `{ keepData: false }`. */
  restart(options?: { keepData?: boolean }): Promise<void>;
  /** What the server printed, for failure messages. */
  output(): string;
}

/** The arguments of a standalone data node on `port` keeping its files in `dir`. */
export function dataNodeArgs(port: number, dir: string, options: { appendonly?: boolean } = {}): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    options.appendonly === true ? 'yes' : 'no',
    '--dir',
    dir,
    '--dbfilename',
    'dump.rdb',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    // A replica's first sync starts at once, not after the default 5 s wait for more replicas.
    '--repl-diskless-sync-delay',
    '0',
  ];
}

/**
 * Starts a private `redis-server` on a free port on 127.0.0.1, without persistence (`--save ""
 * --appendonly no`) in a temporary directory, and resolves once it answers PING. It never
 * touches a Redis already running on the machine. When the test process exits, a server still
 * running is killed and the directory removed.
 */
export async function startRedis(): Promise<RunningRedis> {
  const binary = findRedisBinary('redis-server');
  const dir = makeTempDir('ssekit-redis-');
  let server: RedisProcess;
  try {
    server = await onFreePort((port) => RedisProcess.start(binary, dataNodeArgs(port, dir), port));
  } catch (err) {
    removeTempDir(dir);
    throw err;
  }
  const port = server.port;
  // Everything printed by every run of the server, for failure messages.
  let earlier = '';

  const stop = async ({ keepData = false } = {}): Promise<void> => {
    await server.shutdown(keepData);
    if (!keepData) removeTempDir(dir);
  };
  const start = async (): Promise<void> => {
    if (server.running) return;
    mkdirSync(dir, { recursive: true });
    earlier += server.output();
    server = await RedisProcess.start(binary, dataNodeArgs(port, dir), port);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    start,
    restart: async ({ keepData = true } = {}) => {
      await stop({ keepData });
      await start();
    },
    output: () => earlier + server.output(),
  };
}
