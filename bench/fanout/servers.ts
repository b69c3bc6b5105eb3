// The servers under test and how each is started: a demo runs the `node ...` command its own
// `start` script execs, without pnpm in between, so the PID we sample is the server itself; the
// comparators are scripts of this benchmark, run the same way.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What a server stands for in the tables. */
export type ServerRole =
  /** A hand-written loop: the floor. */
  | 'hand'
  /** A framework holding its streams without ssekit: what an adapter's memory is measured over. */
  | 'bare'
  /** An ssekit demo. */
  | 'ssekit'
  /** Another SSE library, in its idiomatic broadcast form. */
  | 'library';

/** One server the benchmark can measure. */
export interface ServerSpec {
  /** The name in `BENCH_SERVERS` and in the tables (`node-http@1a2b3c4d` for a baseline build). */
  name: string;
  /** What it is, for the report. */
  label: string;
  kind: 'demo' | 'comparator';
  role: ServerRole;
  /**
   * The framework it runs on (`node-http`, `express`, ...): a demo and the bare comparator of the
   * same framework share it, which pairs them in the memory table.
   */
  framework?: string;
  /** The checkout it runs from: this one ({@link ROOT}) or a baseline worktree. */
  root: string;
  /** Working directory and script, relative to `root`. */
  cwd: string;
  script: string;
  /** Set on a demo built from another commit (`BENCH_BASELINE`). */
  baseline?: {
    /** The name of the same demo in the working tree. */
    of: string;
    ref: string;
    sha: string;
  };
}

const demo = (name: string, label: string): ServerSpec => ({
  name,
  label,
  kind: 'demo',
  role: 'ssekit',
  framework: name,
  root: ROOT,
  cwd: `examples/${name}`,
  script: 'src/server.ts',
});

const comparator = (name: string, role: ServerRole, label: string, framework?: string): ServerSpec => ({
  name,
  label,
  kind: 'comparator',
  role,
  ...(framework === undefined ? {} : { framework }),
  root: ROOT,
  cwd: '.',
  script: `bench/fanout/comparators/${name}.ts`,
});

/** Every server, in table order: the floor, then each framework bare and with ssekit, then the other libraries. */
export const SERVERS: readonly ServerSpec[] = [
  comparator('hand-loop', 'hand', 'hand-written: one pre-framed chunk per event, socket.write to every socket'),
  comparator(
    'plain-http',
    'bare',
    'bare node:http: one buffer per event, res.write to every ServerResponse',
    'node-http',
  ),
  demo('node-http', 'examples/node-http: @ssekit/node on node:http'),
  comparator('bare-express', 'bare', 'bare Express 5: res.write to every response', 'express'),
  demo('express', 'examples/express: @ssekit/express'),
  comparator('bare-fastify', 'bare', 'bare Fastify 5: hijacked replies, write to every raw response', 'fastify'),
  demo('fastify', 'examples/fastify: @ssekit/fastify'),
  comparator('bare-koa', 'bare', 'bare Koa 3 with @koa/router: ctx.respond = false, write to every response', 'koa'),
  demo('koa', 'examples/koa: @ssekit/koa'),
  comparator(
    'bare-hono',
    'bare',
    'bare Hono on @hono/node-server: a ReadableStream body per stream, enqueue on every controller',
    'hono',
  ),
  demo('hono', 'examples/hono: @ssekit/web on @hono/node-server'),
  comparator('better-sse', 'library', 'better-sse: sessions on one channel, channel.broadcast'),
  comparator('fastify-sse', 'library', 'Fastify 5 with @fastify/sse: reply.sse.send in a loop over the replies'),
];

/** The bare comparator an ssekit demo's memory is weighed against. */
export function bareOf(spec: ServerSpec): ServerSpec | undefined {
  return SERVERS.find((s) => s.role === 'bare' && s.framework === spec.framework);
}

/** True when the server's script exists (a demo may not be written yet, or not at a baseline commit). */
export function isPresent(spec: ServerSpec): boolean {
  return existsSync(path.join(spec.root, spec.cwd, spec.script));
}

/** The export condition that makes a demo load ssekit's TypeScript sources through tsx. */
const SOURCE_CONDITION = '--conditions=ssekit-source';

/**
 * True with `BENCH_FROM_SOURCE=1`: demos load ssekit's packages from `src/` through tsx, exactly
 * as `pnpm start` does. By default they load `dist/` (which `pnpm bench` builds first), as an
 * installed package runs: tsx compiles with esbuild's `keepNames`, which wraps every named
 * function in a `__name()` call that gives it its own property dictionary (256 bytes per closure
 * on Node 20) and costs a defineProperty each time one is created, none of which ships.
 */
export function fromSource(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.BENCH_FROM_SOURCE === '1';
}

/** Newest modification time of the files under `dir` (recursively), 0 when there is none. */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

/**
 * Throws when the demos would load a `dist/` older than its `src/` (the benchmark was started
 * without `pnpm bench`, which builds first, after an edit). Nothing to check with
 * {@link fromSource}.
 * @param root - the checkout whose packages the demos load.
 */
export function assertBuilt(root: string = ROOT): void {
  if (fromSource()) return;
  const stale: string[] = [];
  for (const parent of ['packages', 'examples']) {
    for (const name of existsSync(path.join(root, parent)) ? readdirSync(path.join(root, parent)) : []) {
      const pkg = path.join(root, parent, name);
      if (!existsSync(path.join(pkg, 'tsconfig.json')) || !existsSync(path.join(pkg, 'package.json'))) continue;
      const manifest = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8')) as {
        scripts?: Record<string, string>;
      };
      if (manifest.scripts?.build === undefined) continue;
      // tsc -b leaves unchanged outputs alone and touches only its build info when it checked them.
      const info = path.join(pkg, 'tsconfig.tsbuildinfo');
      const built = Math.max(newest(path.join(pkg, 'dist')), existsSync(info) ? statSync(info).mtimeMs : 0);
      if (newest(path.join(pkg, 'src')) > built) stale.push(`${parent}/${name}`);
    }
  }
  if (stale.length > 0) {
    throw new Error(
      `bench: the demos load ssekit from dist/, which is older than src/ in ${stale.join(', ')}. ` +
        'Run `pnpm build` (`pnpm bench` does it first), or set BENCH_FROM_SOURCE=1 to load the sources through tsx.',
    );
  }
}

/** Used when a demo's `start` script is not a plain `node ...` command. */
const DEFAULT_ARGS = ['--import', 'tsx'];

/**
 * The node arguments a server starts with: for a demo, those of its `start` script
 * (`exec node --conditions=... --import tsx src/server.ts`), so the benchmark runs what
 * `pnpm start` runs (at a baseline commit, what that commit's `start` ran), except that ssekit's
 * packages come from `dist/` unless {@link fromSource}.
 */
export function nodeArgs(spec: ServerSpec): string[] {
  if (spec.kind === 'demo') {
    const manifest = JSON.parse(readFileSync(path.join(spec.root, spec.cwd, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    const match = /^(?:exec\s+)?node\s+(.+)$/.exec(manifest.scripts?.start?.trim() ?? '');
    if (match !== null) {
      const args = match[1]!.split(/\s+/);
      return fromSource() ? args : args.filter((arg) => arg !== SOURCE_CONDITION);
    }
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
    cwd: path.join(spec.root, spec.cwd),
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      HEARTBEAT_MS: '0',
      NODE_OPTIONS: '',
      // Every subscriber comes from one address here: the demos' per-client cap would turn most
      // of them away, and the open-file cap is the load generator's business.
      MAX_CONNECTIONS: '0',
      MAX_CONNECTIONS_PER_CLIENT: '0',
      ...env,
    },
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
