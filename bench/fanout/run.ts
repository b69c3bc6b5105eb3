// The fan-out benchmark: every selected server at every subscriber count, one table per count.
// Subscribers live in their own processes, servers in theirs; this process publishes, samples
// the server's CPU and memory from /proc, and ends every child by PID however the run ends.
import { cpus, totalmem } from 'node:os';
import { writeChart } from './chart.js';
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
  formatTable,
  formatTargets,
  writeJson,
} from './report.js';
import type { FanoutReport, ServerResult } from './results.js';
import { SERVERS, killChildren } from './servers.js';

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
  return b === undefined ? 'ok' : `ok, burst ${b.cpuUsPerDelivery.toFixed(2)} µs/delivery`;
}

/**
 * Runs the benchmark and prints its tables; writes `.bench-out/fanout.json`.
 * @param config - what to measure (from the environment by default).
 */
export async function runFanoutBench(config: FanoutConfig = readFanoutConfig()): Promise<FanoutReport> {
  checkLimits(config);
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
    targets: [],
  };
  console.log(
    `servers: ${config.servers.join(', ')}; subscribers: ${config.subscribers.join(', ')}; ` +
      `burst ${config.burst} events (${config.burstConcurrency} in flight, at most ${config.burstDeliveries.toLocaleString('en-US')} deliveries); ` +
      `rate ${config.rate}/s (at most ${config.rateDeliveries.toLocaleString('en-US')} deliveries/s) for ${config.rateSeconds} s; ` +
      `${config.clientProcesses} subscriber processes\n`,
  );
  const pool = new SubscriberPool(config.clientProcesses);
  try {
    for (const subscribers of config.subscribers) {
      const results: ServerResult[] = [];
      for (const name of config.servers) {
        const spec = SERVERS.find((s) => s.name === name)!;
        const started = performance.now();
        const result = await measureServer(spec, subscribers, pool, config);
        results.push(result);
        console.log(
          `  ${name} @ ${subscribers}: ${describe(result)} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
        );
      }
      report.results.push(...results);
      const rate = publishRate(config, subscribers);
      console.log(
        `\n### ${subscribers.toLocaleString('en-US')} subscribers ` +
          `(burst: ${burstEvents(config, subscribers)} events; rate: ${rate}/s for ${config.rateSeconds} s)\n\n${formatTable(results)}\n`,
      );
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
  console.log(`\nresults: ${JSON_PATH}\nchart: ${writeChart(report)}`);
  return report;
}
