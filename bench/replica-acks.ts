// What `replicaAcks` (WAIT after each append) costs a publish: hub.publish on a Redis backend
// through a private Sentinel setup (primary, one replica, three sentinels, all on loopback),
// with and without the option, one publish at a time and 16 in flight. Bounded: fixed counts.
import { cpus } from 'node:os';
import type * as Core from '../packages/core/src/index.js';
import type * as RedisPackage from '../packages/redis/src/index.js';
import { startRedisSentinel } from '../packages/testkit/src/redis-sentinel.js';
import { formatOps, markdownTable } from './table.js';

const SEQUENTIAL = Number(process.env.BENCH_ACKS_SEQUENTIAL ?? 2000);
const CONCURRENT = Number(process.env.BENCH_ACKS_CONCURRENT ?? 8000);
const IN_FLIGHT = 16;
const BODY = { data: 'x'.repeat(200) };

/** One measured run. */
export interface ReplicaAcksRow {
  mode: string;
  inFlight: number;
  publishes: number;
  p50Ms: number;
  p99Ms: number;
  perSecond: number;
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}

async function measure(
  publish: () => Promise<unknown>,
  count: number,
  inFlight: number,
): Promise<Omit<ReplicaAcksRow, 'mode'>> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const t0 = performance.now();
      await publish();
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    inFlight,
    publishes: count,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    perSecond: count / seconds,
  };
}

/** Runs both modes on one fresh Sentinel setup and returns a row per mode and concurrency. */
export async function runReplicaAcksBench(): Promise<ReplicaAcksRow[]> {
  const core = (await import(new URL('../packages/core/dist/index.js', import.meta.url).href)) as typeof Core;
  const redis = (await import(new URL('../packages/redis/dist/index.js', import.meta.url).href)) as typeof RedisPackage;
  const topology = await startRedisSentinel();
  const rows: ReplicaAcksRow[] = [];
  try {
    const sentinel = { sentinels: topology.sentinels, name: topology.masterName };
    const modes = [
      { mode: 'no WAIT', replicaAcks: undefined },
      { mode: 'replicaAcks 1 (WAIT 1 500)', replicaAcks: { replicas: 1, timeoutMs: 500 } },
    ];
    for (const [i, { mode, replicaAcks }] of modes.entries()) {
      const backend = redis.createRedisBackend({ sentinel, prefix: `bench${i}:`, replicaAcks });
      const hub = core.createHub({ store: backend.store, bus: backend.bus, heartbeatMs: 0 });
      await backend.ready;
      try {
        const publish = (): Promise<unknown> => hub.publish('bench', BODY);
        await measure(publish, 200, 4); // warm-up: script load, JIT
        rows.push({ mode, ...(await measure(publish, SEQUENTIAL, 1)) });
        rows.push({ mode, ...(await measure(publish, CONCURRENT, IN_FLIGHT)) });
      } finally {
        await hub.close();
        await backend.close();
      }
    }
  } finally {
    await topology.stop();
  }
  return rows;
}

/** Prints the rows as a markdown table with the machine it ran on. */
export function printReplicaAcks(rows: readonly ReplicaAcksRow[]): void {
  console.log(
    markdownTable(
      ['mode', 'in flight', 'publishes', 'p50 ms', 'p99 ms', 'publishes/s'],
      rows.map((row) => [
        row.mode,
        String(row.inFlight),
        row.publishes.toLocaleString('en-US'),
        row.p50Ms.toFixed(3),
        row.p99Ms.toFixed(3),
        formatOps(row.perSecond),
      ]),
      [false, true, true, true, true, true],
    ),
  );
  console.log(
    `\nhub.publish of a ~200 B event on a Redis backend via Sentinel (primary + 1 replica on loopback), ` +
      `${cpus().length} cores shared with the Redis processes. Latency from call to resolve.`,
  );
}
