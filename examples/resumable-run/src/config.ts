import { envInteger } from '@ssekit/demo-common';

/** The example's settings, from the environment. */
export interface RunConfig {
  /** `PORT`: 0 picks a free one. Default 3000. */
  port: number;
  /** `HOST`. Default 127.0.0.1. */
  host: string;
  /** `RETRY_MS`: the `retry:` hint, how long a client waits before it reconnects. Default 1000. */
  retryMs: number;
  /** `HEARTBEAT_MS`: a comment on idle streams; 0 turns it off. Default 15000. */
  heartbeatMs: number;
  /** `TOKEN_MS`: the fake model's average delay between two words. Default 60. */
  tokenMs: number;
  /**
   * `TOPIC_TTL_MS`: how long a run is kept after its last word (so a reload, another tab or
   * another process can still read it); 0 keeps runs for good. Default 3600000 (one hour).
   */
  topicTtlMs: number;
  /** `REDIS_URL`: runs kept and carried by Redis, so several processes serve every run. */
  redisUrl: string | undefined;
  /** `HEADERS_TIMEOUT_MS`: how long a request head may take to arrive. Default 10000. */
  headersTimeoutMs: number;
  /** `REQUEST_TIMEOUT_MS`: how long a whole request (a run's POST body) may take. Default 30000. */
  requestTimeoutMs: number;
  /** `SHUTDOWN_JITTER_MS`: on shutdown, streams are told to come back after `RETRY_MS` plus up to this. Default 5000. */
  shutdownJitterMs: number;
}

/** Reads the configuration; a malformed number throws, naming the variable. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): RunConfig {
  return {
    port: envInteger(env, 'PORT', 3000),
    host: env.HOST ?? '127.0.0.1',
    retryMs: envInteger(env, 'RETRY_MS', 1000),
    heartbeatMs: envInteger(env, 'HEARTBEAT_MS', 15_000),
    tokenMs: envInteger(env, 'TOKEN_MS', 60),
    topicTtlMs: envInteger(env, 'TOPIC_TTL_MS', 60 * 60 * 1000),
    redisUrl: env.REDIS_URL === '' ? undefined : env.REDIS_URL,
    headersTimeoutMs: envInteger(env, 'HEADERS_TIMEOUT_MS', 10_000),
    requestTimeoutMs: envInteger(env, 'REQUEST_TIMEOUT_MS', 30_000),
    shutdownJitterMs: envInteger(env, 'SHUTDOWN_JITTER_MS', 5000),
  };
}
