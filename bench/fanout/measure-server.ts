// One server at one subscriber count: start it, open the streams, weigh the idle streams, run
// the burst and the fixed-rate phase, stop it. Every step has a count and a deadline.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { MergedReport, SubscriberPool } from './clients.js';
import { burstEvents, publishRate } from './config.js';
import type { FanoutConfig } from './config.js';
import { nowUs } from './messages.js';
import { cpuMicros, writeCalls } from './proc.js';
import { PROBE_FLAGS, probeEnv, weigh } from './probe.js';
import { Publisher } from './publisher.js';
import type { PublishOutcome } from './publisher.js';
import type { PhaseResult, ServerResult } from './results.js';
import { ROOT, isPresent, startServer } from './servers.js';
import type { RunningServer, ServerSpec } from './servers.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Time for connecting: generous, since a slow demo should show as slow, not as missing. */
const CONNECT_TIMEOUT_MS = 60_000;
/** Deadline of the burst's publishing, and extra time for its deliveries to arrive. */
const BURST_DEADLINE_MS = 90_000;
const DRAIN_MS = 30_000;
/** Pause before weighing, so allocation from startup or connecting has settled. */
const SETTLE_MS = 1000;
/** Streams opened and closed before the server is first weighed. */
const WARMUP_STREAMS = 200;
/** Where the memory probes of the servers answer (gitignored). */
const PROBE_ROOT = path.join(ROOT, '.bench-out', 'probe');
/** The warm-up event's sequence number, outside every phase (subscribers ignore it). */
const WARMUP_SEQ = 999_999_999;

/**
 * One phase: tells the subscribers what to expect, publishes, waits for the deliveries, and sums
 * the CPU of the server processes `pids` over it (one process, or several sharing a bus).
 */
export async function runPhase(
  pids: readonly number[],
  pool: SubscriberPool,
  phase: { name: string; first: number; count: number; deadlineMs: number },
  publish: () => Promise<PublishOutcome>,
): Promise<PhaseResult> {
  const { done } = await pool.startPhase(
    phase.name,
    phase.first,
    phase.first + phase.count - 1,
    phase.deadlineMs + DRAIN_MS,
  );
  const cpu = (): number => pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);
  const writes = (): number | undefined => {
    try {
      return pids.reduce((sum, pid) => sum + writeCalls(pid), 0);
    } catch {
      return undefined;
    }
  };
  const writesBefore = writes();
  const cpuBefore = cpu();
  const startedUs = nowUs();
  const outcome = await publish();
  if (outcome.sent < phase.count) await pool.trim(phase.first + outcome.sent - 1);
  // A failed publish leaves every stream short of an event: nobody completes, so wait less.
  const completed = outcome.failed === 0 ? await done : await Promise.race([done, sleep(3000).then(() => false)]);
  const serverCpuUs = cpu() - cpuBefore;
  const writesAfter = writes();
  const serverWrites = writesBefore === undefined || writesAfter === undefined ? undefined : writesAfter - writesBefore;
  const report: MergedReport = await pool.report();
  const seconds = Math.max(1e-6, (report.lastUs - startedUs) / 1e6);
  const deliveries = report.received;
  const perDelivery = (us: number): number => (deliveries > 0 ? us / deliveries : Number.NaN);
  return {
    publishes: outcome.sent,
    planned: phase.count,
    accepted: outcome.accepted,
    publishErrors: outcome.errors,
    streams: report.streams,
    deliveries,
    expected: report.streams * outcome.accepted,
    // Counted here, against what the server accepted; a failed publish is reported on its own.
    missing: Math.max(0, report.streams * outcome.accepted - deliveries),
    duplicates: report.duplicates,
    closed: report.closed,
    completed,
    seconds,
    deliveriesPerSec: deliveries / seconds,
    serverCpuUs,
    cpuUsPerDelivery: perDelivery(serverCpuUs),
    ...(serverWrites === undefined ? {} : { writeCalls: serverWrites, writesPerDelivery: perDelivery(serverWrites) }),
    clientCpuUsPerDelivery: perDelivery(report.cpuUs),
    latencyMs: {
      p50: report.latency.percentile(0.5) / 1000,
      p99: report.latency.percentile(0.99) / 1000,
      max: report.latency.max / 1000,
      mean: report.latency.count > 0 ? report.latency.sum / report.latency.count / 1000 : Number.NaN,
    },
  };
}

/** Options of {@link measureServer}. */
export interface MeasureHooks {
  /** Extra node flags for the server (`--cpu-prof`, ...). */
  nodeFlags?: readonly string[];
  /** Skip the fixed-rate phase. */
  burstOnly?: boolean;
  /** Called with the burst's window (µs on the monotonic clock, see profile.ts). */
  onBurstWindow?: (startUs: number, endUs: number) => void;
  /** Called before the burst with the server's PID; the function it resolves to, after it. */
  aroundBurst?: (pid: number) => Promise<() => Promise<void>>;
  /**
   * Server processes to start (default 1). With more, the streams are split evenly across them,
   * publishes go to the first, and CPU and RSS are summed over all of them (the Redis scenario).
   */
  instances?: number;
  /** Extra environment for the servers (`REDIS_URL`, ...). */
  env?: Readonly<Record<string, string>>;
}

/** Measures one server at `subscribers` streams. Never throws: a failure is the result's `status`. */
export async function measureServer(
  spec: ServerSpec,
  subscribers: number,
  pool: SubscriberPool,
  config: FanoutConfig,
  hooks: MeasureHooks = {},
): Promise<ServerResult> {
  const result: ServerResult = {
    server: spec.name,
    label: spec.label,
    role: spec.role,
    ...(spec.framework === undefined ? {} : { framework: spec.framework }),
    ...(spec.baseline === undefined ? {} : { baselineOf: spec.baseline.of }),
    subscribers,
    status: 'ok',
  };
  if (!isPresent(spec)) {
    return {
      ...result,
      status: 'missing',
      error: `${path.relative(ROOT, path.join(spec.root, spec.cwd, spec.script))} does not exist`,
    };
  }
  const servers: RunningServer[] = [];
  let publisher: Publisher | undefined;
  mkdirSync(PROBE_ROOT, { recursive: true });
  const probeDir = mkdtempSync(path.join(PROBE_ROOT, 'run-'));
  try {
    const instances = hooks.instances ?? 1;
    const flags = [...PROBE_FLAGS, ...(hooks.nodeFlags ?? [])];
    const env = { ...probeEnv(probeDir), ...hooks.env };
    for (let i = 0; i < instances; i++) servers.push(await startServer(spec, flags, undefined, env));
    const server = servers[0]!;
    const pids = servers.map((s) => s.pid);
    const ports = servers.map((s) => s.port);
    await sleep(SETTLE_MS / 2);
    // A few streams opened and closed first, so code compiled and pools filled on the first
    // connections weigh on "before", not on every stream of a small run.
    const warm = await pool.connectAcross(ports, '/events', Math.min(WARMUP_STREAMS, subscribers), CONNECT_TIMEOUT_MS);
    if (warm.open === 0) throw new Error(`no stream opened: ${warm.errors.join('; ')}`);
    await pool.closeAll();
    await sleep(SETTLE_MS / 2);
    const weighAll = async (): Promise<{ rss: number; heap: number }> => {
      const parts = await Promise.all(pids.map((pid) => weigh(pid, probeDir)));
      return {
        rss: parts.reduce((sum, w) => sum + w.rssBytes, 0),
        heap: parts.reduce((sum, w) => sum + w.heapUsedBytes + w.externalBytes, 0),
      };
    };
    const before = await weighAll();
    const cpuBeforeConnect = pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);
    const connect = await pool.connectAcross(
      servers.map((s) => s.port),
      '/events',
      subscribers,
      CONNECT_TIMEOUT_MS,
    );
    const connectCpuUs = pids.reduce((sum, pid) => sum + cpuMicros(pid), 0) - cpuBeforeConnect;
    result.connect = {
      open: connect.open,
      failed: connect.failed,
      seconds: connect.ms / 1000,
      errors: connect.errors,
      cpuUsPerStream: connectCpuUs / Math.max(1, connect.open),
    };
    if (connect.open < subscribers) {
      throw new Error(`only ${connect.open} of ${subscribers} streams opened: ${connect.errors.join('; ')}`);
    }
    await sleep(SETTLE_MS);
    const idle = await weighAll();
    result.rss = {
      beforeBytes: before.rss,
      idleBytes: idle.rss,
      perStreamBytes: (idle.rss - before.rss) / subscribers,
    };
    result.heap = {
      beforeBytes: before.heap,
      idleBytes: idle.heap,
      perStreamBytes: (idle.heap - before.heap) / subscribers,
    };

    publisher = new Publisher(server.port);
    const active = publisher;
    // One publish first, outside every phase's range, so the publish route is warm in every server.
    await active.publish(WARMUP_SEQ);
    await sleep(SETTLE_MS / 2);
    const afterBurst = await hooks.aroundBurst?.(server.pid);
    const burst = burstEvents(config, subscribers);
    const burstStart = process.hrtime.bigint();
    result.burst = await runPhase(
      pids,
      pool,
      { name: 'burst', first: 0, count: burst, deadlineMs: BURST_DEADLINE_MS },
      () => active.burst(0, burst, config.burstConcurrency, BURST_DEADLINE_MS),
    );
    hooks.onBurstWindow?.(Number(burstStart / 1000n), Number(process.hrtime.bigint() / 1000n));
    await afterBurst?.();
    if (hooks.burstOnly !== true) {
      const rate = publishRate(config, subscribers);
      const count = rate * config.rateSeconds;
      const deadlineMs = config.rateSeconds * 1000 * 2;
      result.rate = await runPhase(pids, pool, { name: 'rate', first: burst, count, deadlineMs }, () =>
        active.rate(burst, count, rate, deadlineMs),
      );
    }
  } catch (err) {
    result.status = 'failed';
    result.error = err instanceof Error ? err.message : String(err);
  } finally {
    publisher?.close();
    await pool.closeAll().catch(() => undefined);
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(probeDir, { recursive: true, force: true });
  }
  return result;
}
