// The scale scenario's settings, from the environment.

/** What one `pnpm bench scale` run measures. */
export interface ScaleConfig {
  /** Streams held, one run each. `BENCH_SCALE_STREAMS`, default 50000 (try 100000 and 200000). */
  streams: number[];
  /** Most streams per cluster worker (`BENCH_SCALE_PER_WORKER`, default 15000): one process may hold about 20,000 files. */
  perWorker: number;
  /** Most streams per load-generator process (`BENCH_SCALE_PER_CLIENT`, default 12500), each on its own source address. */
  perClient: number;
  /** Handshakes each load-generator process keeps in flight (`BENCH_SCALE_INFLIGHT`, default 512). */
  inflight: number;
  /** Publishes measured one at a time to every stream (`BENCH_SCALE_PUBLISHES`, default 20). */
  publishes: number;
  /** Pause between two publishes, ms (`BENCH_SCALE_GAP_MS`, default 250). */
  gapMs: number;
  /** Deadline for connecting every stream, s (`BENCH_SCALE_CONNECT_S`, default 300). */
  connectSeconds: number;
  /** Deadline for one publish to reach every stream, s (`BENCH_SCALE_PUBLISH_S`, default 60). */
  publishSeconds: number;
  /**
   * Extra environment for the cluster, `KEY=VALUE` pairs separated by commas
   * (`BENCH_SCALE_ENV`, e.g. `NODE_CLUSTER_SCHED_POLICY=none,LISTEN_BACKLOG=511`): for trying
   * the accept path's settings side by side.
   */
  clusterEnv: Record<string, string>;
  /**
   * `BENCH_SCALE_PROFILE=1`: the cluster runs under `--cpu-prof`, and where its primary and
   * workers spent the connect phase is printed per connection (profiling slows it: the timings
   * of such a run are not the scenario's figures).
   */
  profile: boolean;
  /** The first source address's last byte: 127.0.0.<n> (`BENCH_SCALE_FIRST_ADDRESS`, default 2). */
  firstAddress: number;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`bench: ${name} must be a positive integer, got ${raw}`);
  return value;
}

function pairs(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (raw ?? '').split(',').map((s) => s.trim())) {
    if (item === '') continue;
    const at = item.indexOf('=');
    if (at <= 0) throw new Error(`bench: BENCH_SCALE_ENV holds ${item}, not KEY=VALUE`);
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

/** Reads and checks the configuration. */
export function readScaleConfig(env: NodeJS.ProcessEnv = process.env): ScaleConfig {
  const streams = (env.BENCH_SCALE_STREAMS ?? '50000')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const n = Number(s.replaceAll('_', ''));
      if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`bench: BENCH_SCALE_STREAMS holds ${s}, not a count`);
      return n;
    });
  return {
    streams,
    perWorker: positive(env, 'BENCH_SCALE_PER_WORKER', 15_000),
    perClient: positive(env, 'BENCH_SCALE_PER_CLIENT', 12_500),
    inflight: positive(env, 'BENCH_SCALE_INFLIGHT', 512),
    publishes: positive(env, 'BENCH_SCALE_PUBLISHES', 20),
    gapMs: positive(env, 'BENCH_SCALE_GAP_MS', 250),
    connectSeconds: positive(env, 'BENCH_SCALE_CONNECT_S', 300),
    publishSeconds: positive(env, 'BENCH_SCALE_PUBLISH_S', 60),
    clusterEnv: pairs(env.BENCH_SCALE_ENV),
    firstAddress: positive(env, 'BENCH_SCALE_FIRST_ADDRESS', 2),
    profile: env.BENCH_SCALE_PROFILE === '1',
  };
}
