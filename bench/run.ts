// The benchmark entry: `pnpm bench` runs every scenario, `pnpm bench encode` only the named ones.
// A scenario is a name, a one-line description and a function that measures and prints; add one
// by appending to SCENARIOS.
import { cpus } from 'node:os';
import { runEncodeBench, type EncodeRow } from './encode.js';
import { writeChartFromJson } from './fanout/chart.js';
import { runFanoutProfile } from './fanout/profile.js';
import { runFanoutRedisBench } from './fanout/redis.js';
import { runFanoutBench } from './fanout/run.js';
import { formatOps, markdownTable } from './table.js';

interface Scenario {
  name: string;
  description: string;
  run: () => Promise<void>;
  /** Runs only when named (a diagnosis rather than a measurement). */
  onlyWhenNamed?: boolean;
}

function printEncode(rows: readonly EncodeRow[]): void {
  console.log(
    markdownTable(
      ['scenario', 'output', 'ours ops/s', 'naive ops/s', 'naive', 'ours/naive time', 'target'],
      rows.map((row) => [
        row.scenario,
        `${row.outputSize.toLocaleString('en-US')} ${row.scenario.startsWith('encode') ? 'B' : 'chars'}`,
        formatOps(row.oursOpsPerSec),
        formatOps(row.naiveOpsPerSec),
        row.naive,
        `${row.ratio.toFixed(2)}x`,
        row.target === undefined ? '-' : `<= ${row.target}x ${row.ratio <= row.target ? 'PASS' : 'FAIL'}`,
      ]),
      [false, true, true, true, false, true, false],
    ),
  );
  console.log(
    '\nours/naive time: our time per op divided by the naive time per op (below 1 is faster).' +
      '\nTarget: the single-line JSON path (formatEvent of a ~200 B object) within 1.5x of the naive template.' +
      '\nOurs checks every field and splits on CR, LF and CRLF; the naive code does neither.',
  );
  const missed = rows.filter((row) => row.target !== undefined && row.ratio > row.target);
  // Reported, not enforced: a noisy machine must not fail the run.
  if (missed.length > 0) console.log(`\nTARGET MISSED: ${missed.map((row) => row.scenario).join('; ')}`);
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'encode',
    description: 'the wire encoder (formatEvent, encodeEvent) against naive templates',
    run: async () => {
      printEncode(await runEncodeBench());
    },
  },
  {
    name: 'fanout',
    description:
      'fan-out to 1,000 / 5,000 / 10,000 SSE subscribers: every demo server against two hand-written loops ' +
      '(env: BENCH_SUBSCRIBERS, BENCH_SERVERS, BENCH_BURST, BENCH_RATE, BENCH_RATE_SECONDS, BENCH_CLIENT_PROCESSES)',
    run: async () => {
      await runFanoutBench();
    },
  },
  {
    name: 'fanout-redis',
    description:
      'fan-out across two node-http processes sharing a private redis-server, subscribers split half and half, ' +
      'against one process in the same run (env: BENCH_SUBSCRIBERS, default 2000; BENCH_BURST, BENCH_RATE, ...)',
    run: async () => {
      await runFanoutRedisBench();
    },
  },
  {
    name: 'fanout-chart',
    description: 'redraws docs/benchmarks.svg from .bench-out/fanout.json without measuring',
    onlyWhenNamed: true,
    run: () => {
      console.log(`chart: ${writeChartFromJson()}`);
      return Promise.resolve();
    },
  },
  {
    name: 'fanout-profile',
    description:
      'where the fan-out CPU goes: the burst under --cpu-prof, self time per delivery by category and function ' +
      '(env: BENCH_PROFILE_SERVERS, BENCH_PROFILE_SUBSCRIBERS)',
    onlyWhenNamed: true,
    run: async () => {
      await runFanoutProfile();
    },
  },
];

async function main(argv: readonly string[]): Promise<void> {
  const unknown = argv.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  if (unknown.length > 0) {
    console.error(
      `bench: unknown scenario ${unknown.join(', ')}; choose from: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
    process.exitCode = 2;
    return;
  }
  const selected =
    argv.length === 0
      ? SCENARIOS.filter((scenario) => scenario.onlyWhenNamed !== true)
      : SCENARIOS.filter((scenario) => argv.includes(scenario.name));
  console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${cpus()[0]?.model ?? 'unknown CPU'}`);
  for (const scenario of selected) {
    const started = performance.now();
    console.log(`\n## ${scenario.name}: ${scenario.description}\n`);
    await scenario.run();
    console.log(`\n(${scenario.name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
}

await main(process.argv.slice(2));
