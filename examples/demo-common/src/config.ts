/** A demo server's settings, from the environment as `shared/CONTRACT.md` lists them. */
export interface DemoConfig {
  port: number;
  host: string;
  retryMs: number;
  heartbeatMs: number;
  tickMs: number;
  replaySize: number;
  redisUrl: string | undefined;
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
  };
}
