// The servers under test and how each is started: a demo runs the `node ...` command its own
// `start` script execs, without pnpm in between, so the PID we sample is the server itself; the
// comparators are scripts of this benchmark, run the same way.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** One server the benchmark can measure. */
export interface ServerSpec {
  /** The name in `BENCH_SERVERS` and in the tables. */
  name: string;
  /** What it is, for the report. */
  label: string;
  kind: 'demo' | 'comparator';
  /** Working directory and script, relative to the repository root. */
  cwd: string;
  script: string;
}

const demo = (name: string, label: string): ServerSpec => ({
  name,
  label,
  kind: 'demo',
  cwd: `examples/${name}`,
  script: 'src/server.ts',
});

const comparator = (name: string, label: string): ServerSpec => ({
  name,
  label,
  kind: 'comparator',
  cwd: '.',
  script: `bench/fanout/comparators/${name}.ts`,
});

/** Every server, in table order. */
export const SERVERS: readonly ServerSpec[] = [
  comparator('hand-loop', 'hand-written: one pre-framed chunk per event, socket.write to every socket'),
  comparator('plain-http', 'hand-written: one buffer per event, res.write to every ServerResponse'),
  demo('node-http', 'examples/node-http: @ssekit/node on node:http'),
  demo('express', 'examples/express: @ssekit/express'),
  demo('fastify', 'examples/fastify: @ssekit/fastify'),
  demo('koa', 'examples/koa: @ssekit/koa'),
  demo('hono', 'examples/hono: @ssekit/web on @hono/node-server'),
];

/** True when the server's script exists (a demo may not be written yet). */
export function isPresent(spec: ServerSpec): boolean {
  return existsSync(path.join(ROOT, spec.cwd, spec.script));
}

/** Used when a demo's `start` script is not a plain `node ...` command. */
const DEFAULT_ARGS = ['--import', 'tsx'];

/**
 * The node arguments a server starts with: for a demo, those of its `start` script
 * (`exec node --conditions=... --import tsx src/server.ts`), so the benchmark runs exactly what
 * `pnpm start` runs.
 */
export function nodeArgs(spec: ServerSpec): string[] {
  if (spec.kind === 'demo') {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, spec.cwd, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    const match = /^(?:exec\s+)?node\s+(.+)$/.exec(manifest.scripts?.start?.trim() ?? '');
    if (match !== null) return match[1]!.split(/\s+/);
  }
  return [...DEFAULT_ARGS, spec.script];
}

/** A started server. */
export interface RunningServer {
  pid: number;
  port: number;
  /** Its stdout and stderr so far (the tail, for error messages). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Every child this benchmark started and has not seen exit, so a failure can still end them. */
const children = new Set<ChildProcess>();

/** Ends every child still running, by PID (SIGKILL). For `finally` blocks and exit handlers. */
export function killChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

/** Tracks a child until it exits. */
export function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/**
 * Starts a server with `PORT=0`, `HEARTBEAT_MS=0` and resolves once it printed its
 * `listening on` line.
 * @param spec - which server.
 * @param nodeFlags - extra flags for node (`--cpu-prof`, ...).
 * @param timeoutMs - how long it may take to listen.
 * @param env - extra environment (`REDIS_URL`, ...).
 */
export function startServer(
  spec: ServerSpec,
  nodeFlags: readonly string[] = [],
  timeoutMs = 30_000,
  env: Readonly<Record<string, string>> = {},
): Promise<RunningServer> {
  const child = spawn(process.execPath, [...nodeFlags, ...nodeArgs(spec)], {
    cwd: path.join(ROOT, spec.cwd),
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', HEARTBEAT_MS: '0', NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let output = '';
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-8192);
  };
  child.stderr.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (graceMs = 6000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      void stop(0);
      reject(new Error(`${spec.name} ${why}:\n${output.trim().split('\n').slice(-15).join('\n')}`));
    };
    const timer = setTimeout(() => fail(`did not print "listening on" within ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null, signal: string | null): void =>
      fail(`exited (${code ?? signal ?? '?'}) before listening`);
    child.once('exit', onExit);
    child.stdout.on('data', (chunk: Buffer) => {
      append(chunk);
      const match = /listening on http:\/\/[^\s:]+:(\d+)/.exec(output);
      if (match === null || child.pid === undefined) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout.removeAllListeners('data');
      child.stdout.on('data', append);
      resolve({ pid: child.pid, port: Number(match[1]), output: () => output, stop });
    });
  });
}
