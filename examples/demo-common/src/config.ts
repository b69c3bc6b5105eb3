import { defaultMaxConnections } from './harden.js';

/** A demo server's settings, from the environment as `docs/contract.md` lists them. */
export interface DemoConfig {
  port: number;
  host: string;
  retryMs: number;
  heartbeatMs: number;
  tickMs: number;
  replaySize: number;
  redisUrl: string | undefined;
  /** `REDIS_CLUSTER_NODES`: `host:port,host:port,...` of a Redis Cluster, instead of `REDIS_URL`. */
  redisClusterNodes: string[] | undefined;
  /** `TOPIC_TTL_MS`: how long a topic's history (and completion) is kept after its last publish; 0 keeps it. Unset: the hub's default. */
  topicTtlMs: number | undefined;
  /** `MAX_TOPICS`: most topics the in-memory store keeps. Unset: the hub's default. */
  maxTopics: number | undefined;
  /** `FLUSH_INTERVAL_MS`: the longest a queued event may wait to leave with others; 0 adapts. Unset: the hub's default. */
  flushIntervalMs: number | undefined;
  /**
   * `MAX_CONNECTIONS`: most open streams; `0` for no limit. Default: the open-file limit less a
   * reserve, so `/publish` and `/stats` still answer when streams fill the process.
   */
  maxConnections: number;
  /** `MAX_CONNECTIONS_PER_CLIENT`: most open streams per client address; `0` for no limit. Default 1000. */
  maxConnectionsPerClient: number;
  /** `HEADERS_TIMEOUT_MS`: how long a client may take to send its request head. Default 10000. */
  headersTimeoutMs: number;
  /** `REQUEST_TIMEOUT_MS`: how long a client may take to send a whole request. Default 30000. */
  requestTimeoutMs: number;
  /**
   * `SHUTDOWN_JITTER_MS`: on shutdown every stream is told to come back after `RETRY_MS` plus up
   * to this, at random, so clients do not all reconnect at once. Default 5000.
   */
  shutdownJitterMs: number;
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

/** An optional non-negative integer from the environment: `undefined` when unset or empty. */
function optionalInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  return env[name] === undefined || env[name] === '' ? undefined : envInteger(env, name, 0);
}

/**
 * A non-negative integer from the environment, `fallback` when unset or empty.
 * @throws Error naming the variable, for anything else.
 */
export function envInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return value;
}

/** `REDIS_CLUSTER_NODES`, split; refused beside `REDIS_URL`, which names another Redis. */
function clusterNodes(env: NodeJS.ProcessEnv): string[] | undefined {
  const raw = env.REDIS_CLUSTER_NODES ?? '';
  if (raw === '') return undefined;
  if ((env.REDIS_URL ?? '') !== '') throw new Error('set REDIS_URL or REDIS_CLUSTER_NODES, not both');
  return raw
    .split(',')
    .map((node) => node.trim())
    .filter((node) => node !== '');
}

/** Reads the demo's configuration. */
export function readDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  return {
    port: envInteger(env, 'PORT', 3000),
    host: env.HOST ?? '127.0.0.1',
    retryMs: envInteger(env, 'RETRY_MS', 3000),
    heartbeatMs: envInteger(env, 'HEARTBEAT_MS', 15_000),
    tickMs: Math.max(1, envInteger(env, 'TICK_MS', 1000)),
    replaySize: envInteger(env, 'REPLAY_SIZE', 1000),
    redisUrl: env.REDIS_URL === '' ? undefined : env.REDIS_URL,
    redisClusterNodes: clusterNodes(env),
    topicTtlMs: optionalInteger(env, 'TOPIC_TTL_MS'),
    maxTopics: optionalInteger(env, 'MAX_TOPICS'),
    flushIntervalMs: optionalInteger(env, 'FLUSH_INTERVAL_MS'),
    maxConnections: envInteger(env, 'MAX_CONNECTIONS', defaultMaxConnections()),
    maxConnectionsPerClient: envInteger(env, 'MAX_CONNECTIONS_PER_CLIENT', 1000),
    headersTimeoutMs: envInteger(env, 'HEADERS_TIMEOUT_MS', 10_000),
    requestTimeoutMs: envInteger(env, 'REQUEST_TIMEOUT_MS', 30_000),
    shutdownJitterMs: envInteger(env, 'SHUTDOWN_JITTER_MS', 5000),
    writeTimeoutMs: envInteger(env, 'WRITE_TIMEOUT_MS', 30_000),
    maxBufferedBytes: Math.max(1, envInteger(env, 'MAX_BUFFERED_BYTES', 1024 * 1024)),
    debugRoutes: env.SSEKIT_DEBUG_ROUTES === '1',
  };
}
