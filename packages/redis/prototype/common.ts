// Scratch helpers for the prototype scripts (not built, not exported; see README.md).
import { Cluster, Redis } from 'ioredis';
import { startRedisCluster } from '../../testkit/src/redis-cluster.js';
import { startRedisSentinel } from '../../testkit/src/redis-sentinel.js';
import { startRedis } from '../../testkit/src/redis-server.js';
export { startRedis, startRedisCluster, startRedisSentinel };

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function quiet<T extends Redis | Cluster>(client: T): T {
  client.on('error', () => undefined);
  return client;
}

export function cluster(nodes: readonly { host: string; port: number }[], options: object = {}): Cluster {
  return quiet(new Cluster([...nodes], { redisOptions: { maxRetriesPerRequest: 1 }, ...options }));
}

/** p50/p90/p99/max of a list of numbers (ms). */
export function percentiles(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): string =>
    (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN).toFixed(3);
  return `n=${sorted.length} p50=${at(0.5)} p90=${at(0.9)} p99=${at(0.99)} max=${(sorted.at(-1) ?? NaN).toFixed(3)} ms`;
}

export function now(): number {
  return performance.now();
}

export function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}
