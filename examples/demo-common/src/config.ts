/** A demo server's settings, from the environment as `shared/CONTRACT.md` lists them. */
export interface DemoConfig {
  port: number;
  host: string;
  retryMs: number;
  heartbeatMs: number;
  tickMs: number;
  replaySize: number;
  redisUrl: string | undefined;
  /**
   * Demo-only, for the soak test (`WRITE_TIMEOUT_MS`): the hub's `writeTimeoutMs`, after which a
   * stream whose socket has not drained is evicted. Default 30000.
   */
  writeTimeoutMs: number;
  /**
   * Demo-only, for the soak test (`MAX_BUFFERED_BYTES`): the hub's `maxBufferedBytes` per slow
   * client. Default 1048576.
   */
  maxBufferedBytes: number;
  /**
   * Demo-only (`SSEKIT_DEBUG_ROUTES=1`): serve `GET /debug/heap`, which runs a full garbage
   * collection (with `--expose-gc`) and answers memory and resource counts. Never in production:
   * it lets anyone stall the process. Default off.
   */
  debugRoutes: boolean;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return value;
}

/** Reads the demo's configuration. */
export function readDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  return {
    port: integer(env, 'PORT', 3000),
    host: env.HOST ?? '127.0.0.1',
    retryMs: integer(env, 'RETRY_MS', 3000),
    heartbeatMs: integer(env, 'HEARTBEAT_MS', 15_000),
    tickMs: Math.max(1, integer(env, 'TICK_MS', 1000)),
    replaySize: integer(env, 'REPLAY_SIZE', 1000),
    redisUrl: env.REDIS_URL === '' ? undefined : env.REDIS_URL,
    writeTimeoutMs: integer(env, 'WRITE_TIMEOUT_MS', 30_000),
    maxBufferedBytes: Math.max(1, integer(env, 'MAX_BUFFERED_BYTES', 1024 * 1024)),
    debugRoutes: env.SSEKIT_DEBUG_ROUTES === '1',
  };
}
