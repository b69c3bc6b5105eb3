import { SsekitError } from '@ssekit/core';
import type { RedisClusterBackend, RedisClusterBackendOptions } from '../backend.js';
import { linkedBackend } from '../linked-backend.js';
import { checkStoreOptions } from '../replay-store.js';
import { RedisClusterBus } from './bus.js';
import { ClusterConnection } from './connection.js';
import { ClusterLayout } from './layout.js';
import { RedisClusterReplayStore } from './store.js';

/**
 * `createRedisBackend` on a Redis Cluster: a store and a bus on one cluster client (plus the
 * bus's subscriber connection per primary), every topic's keys and channel in its ordering
 * group's slot. @internal
 */
export function createClusterBackend(options: RedisClusterBackendOptions): RedisClusterBackend {
  checkStoreOptions(options);
  const { cluster } = options;
  const others = options as { url?: unknown; client?: unknown; sentinel?: unknown };
  if (others.url !== undefined || others.client !== undefined || others.sentinel !== undefined) {
    throw new SsekitError(
      'invalid_option',
      'ssekit: createRedisBackend needs exactly one of `client`, `url`, `sentinel` and `cluster`.',
    );
  }
  if (typeof cluster !== 'object' || (cluster as unknown) === null) {
    throw new SsekitError('invalid_option', "ssekit: `cluster` must be `{ nodes: ['host:port', ...] }`.");
  }
  if (options.group !== undefined && typeof options.group !== 'function') {
    throw new SsekitError('invalid_option', 'ssekit: `group` must be a function from a topic to its ordering group.');
  }
  const timeoutMs = options.commandTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
    throw new SsekitError('invalid_option', 'ssekit: `commandTimeoutMs` must be a positive integer of ms.');
  }
  const layout = new ClusterLayout(options.prefix ?? 'ssekit:', options.group);
  const onError = options.onError ?? (() => undefined);
  const connection = new ClusterConnection(cluster, timeoutMs, onError);
  let bus: RedisClusterBus;
  try {
    bus = new RedisClusterBus({
      cluster: connection.client,
      layout,
      lingerMs: options.lingerMs,
      commandTimeoutMs: timeoutMs,
      onError,
    });
  } catch (err) {
    void connection.close();
    throw err;
  }
  const store = new RedisClusterReplayStore(
    {
      layout,
      bus,
      size: options.size ?? 1000,
      pageSize: options.pageSize ?? 200,
      topicTtlMs: options.topicTtlMs,
      replicaAcks: options.replicaAcks,
    },
    connection,
  );
  return linkedBackend(store, bus, connection);
}
