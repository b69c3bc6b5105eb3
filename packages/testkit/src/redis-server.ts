import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

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

/**
 * `REDIS_SERVER` when set, else Debian's `/usr/bin/redis-server` (package `redis-server`), else
 * the first `redis-server` on the PATH.
 */
function findBinary(): string {
  const candidates = [
    process.env.REDIS_SERVER,
    '/usr/bin/redis-server',
    ...(process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'redis-server')),
  ];
  const found = candidates.find((candidate) => candidate !== undefined && candidate !== '' && existsSync(candidate));
  if (found === undefined) {
    throw new Error('redis-server is missing: install it (apt-get install -y redis-server) or set REDIS_SERVER');
  }
  return found;
}

/**
 * Starts a private `redis-server` on a free port on 127.0.0.1, without persistence (`--save ""
 * --appendonly no`) in a temporary directory, and resolves once it answers PING. It never
 * touches a Redis already running on the machine. When the test process exits, a server still
 * running is killed and the directory removed.
 */
export async function startRedis(): Promise<RunningRedis> {
  const binary = findBinary();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ssekit-redis-'));
  let child: ChildProcess | undefined;
  let output = '';
  let port = 0;
  const cleanup = (): void => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);

  const launch = async (): Promise<void> => {
    const proc = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--dbfilename',
        'dump.rdb',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    proc.on('error', (err) => (output += `${err.message}\n`));
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (!running(proc)) {
        throw new Error(`redis-server on port ${port} exited before answering PING:\n${output}`);
      }
      if ((await command(port, 'PING')) === '+PONG') return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        await exited;
        throw new Error(`redis-server on port ${port} did not answer PING within 10 s:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  // A free port can be taken between asking and binding: try a few.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (err) {
      if (attempt >= 5) {
        cleanup();
        throw err;
      }
    }
  }

  const stop = async ({ keepData = false } = {}): Promise<void> => {
    const proc = child;
    if (proc !== undefined && running(proc)) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      await command(port, keepData ? 'SHUTDOWN SAVE' : 'SHUTDOWN NOSAVE');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (!keepData) rmSync(dir, { recursive: true, force: true });
  };
  const start = async (): Promise<void> => {
    if (child !== undefined && running(child)) return;
    mkdirSync(dir, { recursive: true });
    await launch();
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
    output: () => output,
  };
}

function running(proc: ChildProcess): boolean {
  return proc.exitCode === null && proc.signalCode === null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        // Never the machine's own Redis.
        if (port === 6379 || port === 0) freePort().then(resolve, reject);
        else resolve(port);
      });
    });
  });
}

/**
 * Sends one inline command and resolves to the first line of the answer ('' when the
 * connection failed or closed without one, as SHUTDOWN does).
 */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let answer = '';
    const done = (): void => {
      socket.destroy();
      const end = answer.indexOf('\r\n');
      resolve(end >= 0 ? answer.slice(0, end) : answer);
    };
    socket.setTimeout(2000, done);
    socket.on('error', done);
    socket.on('close', done);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done();
    });
    socket.on('connect', () => socket.write(`${line}\r\n`));
  });
}
