import { createHub } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import { createRedisBackend } from '@ssekit/redis';
import type { DemoConfig } from './config.js';
import { announceAfter, closeOnExit } from './lifecycle.js';
import { bindDemoMetrics, demoMetricsHooks } from './metrics.js';

/**
 * The hub a demo serves: the contract's retry, heartbeat and replay size; in memory, or on
 * Redis when `REDIS_URL` is set, so several demo processes act as one (shared ids, resume
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
    hooks: demoMetricsHooks,
  };
  if (config.redisUrl === undefined) {
    const local = createHub({ ...options, replaySize: config.replaySize });
    bindDemoMetrics(local);
    return local;
  }
  const redis = createRedisBackend({ url: config.redisUrl, size: config.replaySize });
  const hub = createHub({ ...options, store: redis.store, bus: redis.bus });
  bindDemoMetrics(hub);
  const slow = setTimeout(() => {
    process.stderr.write(`waiting for Redis at ${config.redisUrl ?? ''} ...\n`);
  }, 2000);
  announceAfter(redis.ready.finally(() => clearTimeout(slow)));
  closeOnExit(() => redis.close());
  return hub;
}
