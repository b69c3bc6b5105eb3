import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { tryRedisCall } from './resp.js';

// What every private Redis launcher shares: finding the binaries, free ports, logs for failure
// messages, and a last-resort cleanup when the test process exits.

/** A Redis cluster node also listens on its port + 10000 (the cluster bus). */
export const CLUSTER_BUS_OFFSET = 10_000;

const ENV_OF = { 'redis-server': 'REDIS_SERVER', 'redis-cli': 'REDIS_CLI' } as const;

/**
 * `REDIS_SERVER` (or `REDIS_CLI`) when set, else Debian's `/usr/bin/<name>` (package
 * `redis-server`, which brings `redis-cli` too), else the first one on the PATH.
 */
export function findRedisBinary(name: keyof typeof ENV_OF): string {
  const candidates = [
    process.env[ENV_OF[name]],
    `/usr/bin/${name}`,
    ...(process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, name)),
  ];
  const found = candidates.find((candidate) => candidate !== undefined && candidate !== '' && existsSync(candidate));
  if (found === undefined) {
    throw new Error(`${name} is missing: install it (apt-get install -y redis-server) or set ${ENV_OF[name]}`);
  }
  return found;
}

/**
 * A free port on 127.0.0.1, never the machine's own Redis (6379). With `clusterBus`, its
 * port + 10000 is free too, as a cluster node needs.
 */
export async function freePort(options: { clusterBus?: boolean } = {}): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(0);
    if (port === 6379 || port === 0) continue;
    if (options.clusterBus !== true) return port;
    if (port + CLUSTER_BUS_OFFSET > 65_535) continue;
    if ((await listenOnce(port + CLUSTER_BUS_OFFSET).catch(() => 0)) !== 0) return port;
  }
  throw new Error('found no free port on 127.0.0.1 in 50 attempts');
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

const livePids = new Set<number>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;

/** Kills what is left of every server and removes every directory when the test process exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pid of livePids) signal(pid, 'SIGKILL');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // It is gone already.
  }
}

/** A fresh temporary directory, removed by {@link removeTempDir} or, at the latest, at exit. */
export function makeTempDir(prefix: string): string {
  installExitHook();
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Removes a directory made by {@link makeTempDir} (it stays on the exit list, in case it is made again). */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** True while the process has neither exited nor been killed. */
export function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * One `redis-server` process (a data node or a Sentinel), ended by its PID. It stays in the test
 * process's group, so that a Ctrl-C or a runner ending that group ends it too (a server in its
 * own group would outlive a test process killed that way).
 */
export class RedisProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** Settles when the process has exited. */
  readonly exited: Promise<void>;
  #output = '';

  private constructor(binary: string, args: readonly string[], port: number) {
    installExitHook();
    this.port = port;
    this.child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = this.child.pid;
    if (pid !== undefined) livePids.add(pid);
    this.exited = new Promise<void>((resolve) =>
      this.child.once('exit', () => {
        if (pid !== undefined) livePids.delete(pid);
        resolve();
      }),
    );
    this.child.on('error', (err) => (this.#output += `${err.message}\n`));
    this.child.stdout?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
  }

  /**
   * Starts `binary args` for a server on `port` and resolves once it answers PING (a server still
   * loading its data does not). Rejects, with what it printed, when it exits first or does not
   * answer within `timeoutMs`.
   */
  static async start(binary: string, args: readonly string[], port: number, timeoutMs = 10_000): Promise<RedisProcess> {
    const server = new RedisProcess(binary, args, port);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!server.running) {
        await server.exited;
        throw new Error(`redis-server on port ${port} exited before answering PING:\n${server.output()}`);
      }
      if ((await tryRedisCall(port, ['PING'], 500)) === 'PONG') return server;
      if (Date.now() > deadline) {
        await server.kill();
        throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms:\n${server.output()}`);
      }
      await sleep(20);
    }
  }

  /** Its PID. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return running(this.child);
  }

  /** What it printed so far. */
  output(): string {
    return this.#output;
  }

  /** Sends `name` (SIGKILL by default) to it and resolves once it exited. */
  async kill(name: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) signal(this.pid, name);
    await this.exited;
  }

  /**
   * Asks it to shut down (`SHUTDOWN SAVE` or `NOSAVE`), and kills it when it has not exited
   * within 10 s.
   */
  async shutdown(save = false): Promise<void> {
    if (!this.running) return;
    await tryRedisCall(this.port, ['SHUTDOWN', save ? 'SAVE' : 'NOSAVE']);
    const timer = setTimeout(() => signal(this.pid, 'SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Runs `launch` on free ports until one is not taken between asking and binding (a few tries).
 */
export async function onFreePort<T>(
  launch: (port: number) => Promise<T>,
  options: { clusterBus?: boolean } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(options);
    try {
      return await launch(port);
    } catch (err) {
      if (attempt >= 5) throw err;
    }
  }
}

/**
 * Polls `check` every 50 ms until it resolves to true; rejects after `timeoutMs` with `what` and
 * `details()` (the servers' logs, say).
 */
export async function waitUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
  details: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${details()}`);
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
