// The fan-out benchmark: every selected server at every subscriber count, one table per count.
// Subscribers live in their own processes, servers in theirs; this process publishes, samples
// the server's CPU and memory from /proc, and ends every child by PID however the run ends.
import { cpus, totalmem } from 'node:os';
import { baselineSpecs, measureOrder, prepareBaseline } from './baseline.js';
import type { Baseline } from './baseline.js';
import { RUN_SVG_PATH, writeChart } from './chart.js';
import { SubscriberPool } from './clients.js';
import { burstEvents, publishRate, readFanoutConfig } from './config.js';
import type { FanoutConfig } from './config.js';
import { measureServer } from './measure-server.js';
import { assertOpenFileLimit } from './proc.js';
import {
  LEGEND,
  JSON_PATH,
  TARGET_SUBSCRIBERS,
  checkTargets,
  formatBaselineTable,
  formatMemoryTable,
  formatSyscalls,
  formatTable,
  formatTargets,
  writeJson,
} from './report.js';
import type { FanoutReport, ServerResult } from './results.js';
import { SERVERS, assertBuilt, killChildren } from './servers.js';
import type { ServerSpec } from './servers.js';
import { assertStrace, countSyscalls } from './syscalls.js';
import type { SyscallCounts } from './syscalls.js';

/** Room for the process's own files (modules, pipes, the listening socket) beyond its sockets. */
const SPARE_FILES = 500;

/** Throws before anything starts when the open-file limit or the processes cannot hold the streams. */
export function checkLimits(config: FanoutConfig): void {
  const most = Math.max(...config.subscribers);
  const perProcess = Math.ceil(most / config.clientProcesses);
  if (perProcess > config.maxStreamsPerProcess) {
    throw new Error(
      `bench: ${most} subscribers over ${config.clientProcesses} processes is ${perProcess} streams each; ` +
        `keep it under ${config.maxStreamsPerProcess} with BENCH_CLIENT_PROCESSES=${Math.ceil(most / config.maxStreamsPerProcess)}.`,
    );
  }
  assertOpenFileLimit(most + SPARE_FILES, `server under test (${most} streams)`);
  assertOpenFileLimit(perProcess + SPARE_FILES, `subscriber process (${perProcess} streams)`);
}

/** Ends the children on any exit, including Ctrl-C. */
export function installCleanup(): () => void {
  const onSignal = (): void => {
    killChildren();
    process.exit(130);
  };
  process.on('exit', killChildren);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('exit', killChildren);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

function describe(result: ServerResult): string {
  if (result.status === 'missing') return 'missing';
  if (result.status === 'failed') return `FAILED: ${result.error ?? ''}`;
  const b = result.burst;
  if (b === undefined) return 'ok';
  const writes = b.writesPerDelivery === undefined ? '' : `, ${b.writesPerDelivery.toFixed(3)} writes/delivery`;
  return `ok, burst ${b.cpuUsPerDelivery.toFixed(2)} µs/delivery${writes}`;
}

/** Of several repetitions of one server at one count, the one the tables show: the lowest burst CPU per delivery. */
export function bestRep(runs: readonly ServerResult[]): ServerResult {
  const ok = runs.filter((r) => r.status === 'ok' && r.burst !== undefined);
  const best =
    ok.length === 0
      ? runs[runs.length - 1]!
      : ok.reduce((a, b) => (b.burst!.cpuUsPerDelivery < a.burst!.cpuUsPerDelivery ? b : a));
  return { ...best, reps: runs.length };
}

/** The servers of a run: those named, plus the baseline's demos when `BENCH_BASELINE` is set. */
async function serversOf(config: FanoutConfig): Promise<{ specs: ServerSpec[]; baseline?: Baseline }> {
  const specs = config.servers.map((name) => SERVERS.find((s) => s.name === name)!);
  if (config.baseline === undefined) return { specs };
  const baseline = await prepareBaseline(config.baseline);
  const twins = baselineSpecs(specs, baseline);
  if (twins.skipped.length > 0) console.log(`baseline ${baseline.short} lacks: ${twins.skipped.join('; ')}`);
  if (twins.specs.length === 0)
    console.log(`baseline ${baseline.short}: none of the selected servers is a demo; nothing to compare`);
  return { specs: [...specs, ...twins.specs], baseline };
}

/** One more burst per server under strace (`BENCH_STRACE=1`), for the system calls by name. */
async function straceBursts(
  specs: readonly ServerSpec[],
  subscribers: number,
  pool: SubscriberPool,
  config: FanoutConfig,
): Promise<NonNullable<FanoutReport['syscalls']>> {
  const out: NonNullable<FanoutReport['syscalls']> = [];
  for (const spec of specs) {
    let counts: SyscallCounts = {};
    const result = await measureServer(spec, subscribers, pool, config, {
      burstOnly: true,
      aroundBurst: async (pid) => {
        const stop = await countSyscalls(pid);
        return async () => {
          counts = await stop();
        };
      },
    });
    if (result.burst === undefined) console.log(`  ${spec.name} under strace: ${result.status} ${result.error ?? ''}`);
    else out.push({ subscribers, server: spec.name, deliveries: result.burst.deliveries, counts });
  }
  return out;
}

/**
 * Runs the benchmark and prints its tables; writes `.bench-out/fanout.json` and the chart
 * `.bench-out/fanout.svg` (`pnpm bench fanout-chart` puts it into the docs).
 * @param config - what to measure (from the environment by default).
 */
export async function runFanoutBench(config: FanoutConfig = readFanoutConfig()): Promise<FanoutReport> {
  checkLimits(config);
  if (config.strace) assertStrace();
  assertBuilt();

  const { specs, baseline } = await serversOf(config);
  const uninstall = installCleanup();
  const report: FanoutReport = {
    date: new Date().toISOString(),
    machine: {
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
    },
    config: { ...config },
    results: [],
    runs: [],
    ...(baseline === undefined ? {} : { baseline: { ref: baseline.ref, sha: baseline.sha, short: baseline.short } }),
    targets: [],
  };
  console.log(
    `servers: ${specs.map((s) => s.name).join(', ')}; subscribers: ${config.subscribers.join(', ')}; ` +
      `burst ${config.burst} events (${config.burstConcurrency} in flight, at most ${config.burstDeliveries.toLocaleString('en-US')} deliveries); ` +
      `rate ${config.rate}/s (at most ${config.rateDeliveries.toLocaleString('en-US')} deliveries/s) for ${config.rateSeconds} s; ` +
      `${config.clientProcesses} subscriber processes; ${config.reps} repetition${config.reps === 1 ? '' : 's'}\n`,
  );
  const pool = new SubscriberPool(config.clientProcesses);
  try {
    for (const subscribers of config.subscribers) {
      const runs = new Map<string, ServerResult[]>(specs.map((s) => [s.name, []]));
      for (let rep = 0; rep < config.reps; rep++) {
        for (const spec of measureOrder(specs, rep)) {
          const started = performance.now();
          const result = { ...(await measureServer(spec, subscribers, pool, config)), rep };
          runs.get(spec.name)!.push(result);
          report.runs!.push(result);
          console.log(
            `  ${spec.name} @ ${subscribers}${config.reps > 1 ? ` (rep ${rep + 1})` : ''}: ${describe(result)} ` +
              `(${((performance.now() - started) / 1000).toFixed(1)} s)`,
          );
        }
      }
      const results = specs.map((s) => bestRep(runs.get(s.name)!));
      report.results.push(...results);
      const rate = publishRate(config, subscribers);
      console.log(
        `\n### ${subscribers.toLocaleString('en-US')} subscribers ` +
          `(burst: ${burstEvents(config, subscribers)} events; rate: ${rate}/s for ${config.rateSeconds} s)\n\n${formatTable(results)}\n`,
      );
      console.log(`Memory per idle stream over the bare framework:\n\n${formatMemoryTable(results)}\n`);
      const before = formatBaselineTable(results);
      if (before !== '') console.log(`Before (${baseline?.ref ?? ''}) and after, same run:\n\n${before}\n`);
    }
    if (config.strace) {
      const largest = Math.max(...config.subscribers);
      console.log(`system calls under strace, one more burst per server at ${largest}:`);
      report.syscalls = await straceBursts(specs, largest, pool, config);
      console.log(`\n${formatSyscalls(report.syscalls)}\n`);
    }
  } finally {
    await pool.stop();
    killChildren();
    uninstall();
  }
  const largest = Math.max(...config.subscribers);
  report.targets = checkTargets(report.results.filter((r) => r.subscribers === largest));
  const note =
    largest === TARGET_SUBSCRIBERS
      ? ''
      : ` (informational: the targets are set at ${TARGET_SUBSCRIBERS.toLocaleString('en-US')})`;
  console.log(
    `### Targets at ${largest.toLocaleString('en-US')} subscribers${note}\n\n${formatTargets(report.targets)}\n`,
  );
  console.log(LEGEND);
  const failed = report.targets.filter((t) => t.pass === false);
  // Reported, not enforced: a noisy machine must not fail the run.
  if (failed.length > 0) console.log(`\nTARGET MISSED: ${failed.map((t) => `${t.server}: ${t.target}`).join('; ')}`);
  writeJson(report);
  console.log(
    `\nresults: ${JSON_PATH}\nchart: ${writeChart(report, RUN_SVG_PATH)} (\`pnpm bench fanout-chart\` copies it into docs/)`,
  );
  return report;
}
