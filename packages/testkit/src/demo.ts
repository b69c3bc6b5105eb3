import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's place in it. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A demo server started by {@link startDemo}. */
export interface RunningDemo {
  /** e.g. `http://127.0.0.1:43123` */
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything it printed to stdout and stderr. */
  output: () => string;
  /**
   * Sends `signal` to the process the contract starts (`pnpm ... start`) and resolves to its
   * exit code (or the signal's name); then kills whatever is left of its process group, at once
   * or after `timeoutMs` when it does not exit.
   */
  stop: (signal?: NodeJS.Signals, timeoutMs?: number) => Promise<number | string>;
}

/**
 * Starts `examples/<name>` the way the contract says (`pnpm --dir examples/<name> start`,
 * `PORT=0`) and resolves once it printed its `listening on` line.
 * @param name - the example's folder.
 * @param env - more environment (`HEARTBEAT_MS`, `REDIS_URL`, ...).
 */
export function startDemo(name: string, env: Record<string, string> = {}, timeoutMs = 30_000): Promise<RunningDemo> {
  const child = spawn('pnpm', ['--dir', path.join('examples', name), 'start'], {
    cwd: repoRoot,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so `kill()` reaches pnpm and the server under it alike.
    detached: true,
  });
  let output = '';
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  const killGroup = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', stopTimeoutMs = 10_000): Promise<number | string> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(killGroup, stopTimeoutMs);
    const result = await exited;
    clearTimeout(timer);
    // Nothing of the demo outlives the test, whatever pnpm did with the signal.
    killGroup();
    return result;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      reject(new Error(`examples/${name} did not print "listening on" within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      // The whole line: a chunk may end inside the port's digits.
      const match = /listening on (http:\/\/\S+):(\d+)\r?\n/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.on('data', (more: Buffer) => (output += more.toString()));
        const port = Number(match[2]);
        if (port === 0) {
          void stop('SIGKILL');
          reject(new Error(`examples/${name} announced port 0:\n${output}`));
          return;
        }
        resolve({ url: `${match[1] ?? ''}:${port}`, port, child, output: () => output, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // A missing `pnpm` is an 'error' without an 'exit': say so now, not after the timeout.
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`examples/${name} could not start: ${err.message}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`examples/${name} exited (${String(code)}) before listening:\n${output}`));
    });
  });
}
