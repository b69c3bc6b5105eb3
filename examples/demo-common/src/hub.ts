import { createHub } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import type { DemoConfig } from './config.js';

/**
 * The hub a demo serves: the contract's retry, heartbeat and replay size, in memory.
 * @param config - the demo's configuration.
 */
export function createDemoHub(config: DemoConfig): Hub {
  if (config.redisUrl !== undefined) {
    throw new Error('REDIS_URL is set but this build has no Redis backend yet.');
  }
  return createHub({ retry: config.retryMs, heartbeatMs: config.heartbeatMs, replaySize: config.replaySize });
}
