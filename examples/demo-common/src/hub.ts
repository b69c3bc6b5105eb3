import { createHub } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import { combineHooks } from '@ssekit/metrics';
import { createRedisBackend } from '@ssekit/redis';
import type { DemoConfig } from './config.js';
import { announceAfter, closeOnExit } from './lifecycle.js';
import { bindDemoMetrics, demoMetricsHooks } from './metrics.js';
import { openStreamHooks } from './open-streams.js';

/**
 * The hub a demo serves: the contract's retry, heartbeat and replay size; in memory, or on
 * Redis when `REDIS_URL` (or `REDIS_CLUSTER_NODES`) is set, so several demo processes act as one (shared ids, resume
 * anywhere). With Redis the demo announces itself once the bus listens, and closes the
 * connections on shutdown. Its metrics are what `metricsAnswer()` serves.
 * @param config - the demo's configuration.
 */
export function createDemoHub(config: DemoConfig): Hub {
  const options = {
    retry: config.retryMs,
    heartbeatMs: config.heartbeatMs,
    writeTimeoutMs: config.writeTimeoutMs,
    maxBufferedBytes: config.maxBufferedBytes,
    // 0 in the environment means no limit.
    maxConnections: config.maxConnections || undefined,
    maxConnectionsPerClient: config.maxConnectionsPerClient || undefined,
    flushIntervalMs: config.flushIntervalMs,
    hooks: combineHooks(demoMetricsHooks, openStreamHooks),
  };
  const source = redisSource(config);
  if (source === undefined) {
    const local = createHub({
      ...options,
      replaySize: config.replaySize,
      topicTtlMs: config.topicTtlMs,
      maxTopics: config.maxTopics,
    });
    bindDemoMetrics(local);
    return local;
  }
  const redis = createRedisBackend({ ...source, size: config.replaySize, topicTtlMs: config.topicTtlMs });
  const hub = createHub({ ...options, store: redis.store, bus: redis.bus });
  bindDemoMetrics(hub);
  const slow = setTimeout(() => {
    process.stderr.write(`waiting for Redis at ${config.redisUrl ?? config.redisClusterNodes?.join(',') ?? ''} ...\n`);
  }, 2000);
  announceAfter(redis.ready.finally(() => clearTimeout(slow)));
  closeOnExit(() => redis.close());
  return hub;
}

/**
 * Where a demo's Redis is: `REDIS_URL` (one Redis) or `REDIS_CLUSTER_NODES` (a Redis Cluster),
 * as `createRedisBackend` takes it; `undefined` to stay in memory.
 * @param config - the demo's configuration.
 */
export function redisSource(config: DemoConfig): { url: string } | { cluster: { nodes: string[] } } | undefined {
  if (config.redisClusterNodes !== undefined) return { cluster: { nodes: config.redisClusterNodes } };
  return config.redisUrl === undefined ? undefined : { url: config.redisUrl };
}

/**
 * Ends every stream for a demo's shutdown as the production guide says: each client is told to
 * come back after `RETRY_MS` plus up to `SHUTDOWN_JITTER_MS`, at random, so they do not all
 * reconnect at the same moment.
 * @param hub - the demo's hub.
 * @param config - the demo's configuration.
 */
export function closeDemoHub(hub: Hub, config: DemoConfig): Promise<void> {
  return hub.close({ retry: config.retryMs, retryJitterMs: config.shutdownJitterMs });
}
