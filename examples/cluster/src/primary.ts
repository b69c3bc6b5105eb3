import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import os from 'node:os';
import { readDemoConfig, redisSource } from '@ssekit/demo-common';
import { relayQuestions } from './ipc.js';
import { listenBacklog } from './worker.js';

/**
 * Forks the workers (`WORKERS`, default one per core; one alone without `REDIS_URL`, since only
 * Redis lets them act as one), announces the shared port once all of them listen, replaces a
 * worker that dies, and on SIGTERM/SIGINT stops them all and exits 0.
 */
export function runPrimary(): void {
  const config = readDemoConfig();
  // Checked before any worker starts: a bad value fails once here, not in every worker forked again.
  listenBacklog();
  const wanted = Number(process.env.WORKERS ?? os.availableParallelism());
  let count = Number.isSafeInteger(wanted) && wanted > 0 ? wanted : 1;
  if (redisSource(config) === undefined && count > 1) {
    process.stderr.write(
      'neither REDIS_URL nor REDIS_CLUSTER_NODES is set: running one worker (workers share events through Redis)\n',
    );
    count = 1;
  }
  relayQuestions();
  let stopping = false;
  let ready = 0;
  cluster.on('message', (_worker, message: unknown) => {
    const { ssekit, port } = (message ?? {}) as { ssekit?: string; port?: number };
    if (ssekit !== 'ready' || ++ready !== count) return;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    process.stdout.write(`listening on http://${host}:${String(port ?? 0)}\n`);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    process.stderr.write(
      `worker ${String(worker.process.pid)} exited (code ${String(code)}, signal ${signal}); starting another\n`,
    );
    cluster.fork();
  });
  for (let i = 0; i < count; i++) cluster.fork();

  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    const deadline = setTimeout(() => process.exit(1), 4500);
    deadline.unref();
    // Each worker ends its streams cleanly and exits; the primary follows once all are gone.
    void Promise.all(
      workers.map(
        (worker) =>
          new Promise<number>((resolve) => {
            if (worker.isDead()) {
              resolve(worker.process.exitCode ?? 1);
              return;
            }
            worker.once('exit', (code: number | null) => resolve(code ?? 1));
            worker.process.kill('SIGTERM');
          }),
      ),
    ).then((codes) => process.exit(codes.every((code) => code === 0) ? 0 : 1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
