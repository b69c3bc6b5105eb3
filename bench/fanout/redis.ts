// The cross-process fan-out scenario (issue 5): two node-http demo processes sharing a private
// redis-server through REDIS_URL, the subscribers split half and half across them, every publish
// sent to the first. Measured with the same code as `fanout`, next to one node-http process in
// memory and one on Redis in the same run, so the cost of the second process and of Redis show
// apart. Writes .bench-out/fanout-redis.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { startRedis } from '../../packages/testkit/src/redis-server.js';
import type { RunningRedis } from '../../packages/testkit/src/redis-server.js';
import { formatOps, markdownTable } from '../table.js';
import { SubscriberPool } from './clients.js';
import { burstEvents, publishRate, readFanoutConfig } from './config.js';
import type { FanoutConfig } from './config.js';
import { measureServer } from './measure-server.js';
import { lossOf } from './report.js';
import type { ServerResult } from './results.js';
import { checkLimits, installCleanup } from './run.js';
import { baselineSpecs, prepareBaseline } from './baseline.js';
import { ROOT, SERVERS, assertBuilt, killChildren } from './servers.js';
import type { ServerSpec } from './servers.js';

/** Where the results go (gitignored). */
export const REDIS_JSON_PATH = path.join(ROOT, '.bench-out', 'fanout-redis.json');

/** One setup of the scenario: how many node-http processes, and whether they share Redis. */
interface Setup {
  name: string;
  instances: number;
  redis: boolean;
}

const SETUPS: readonly Setup[] = [
  { name: 'node-http, 1 process, in memory', instances: 1, redis: false },
  { name: 'node-http, 1 process, Redis', instances: 1, redis: true },
  { name: 'node-http, 2 processes, Redis', instances: 2, redis: true },
];

/** `fanout` settings, with one subscriber count (2,000) unless `BENCH_SUBSCRIBERS` names others. */
export function readRedisConfig(env: NodeJS.ProcessEnv = process.env): FanoutConfig {
  const subscribers =
    env.BENCH_SUBSCRIBERS === undefined || env.BENCH_SUBSCRIBERS === '' ? '2000' : env.BENCH_SUBSCRIBERS;
  return { ...readFanoutConfig({ ...env, BENCH_SUBSCRIBERS: subscribers }), servers: ['node-http'] };
}

function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

function ratio(value: number | undefined, base: number | undefined): string {
  if (value === undefined || base === undefined || !Number.isFinite(value) || !(base > 0)) return '-';
  return `${(value / base).toFixed(2)}x`;
}

/** A setup's row name: with ` @<sha>` for the baseline build. */
function rowName(setup: Setup, spec: ServerSpec): string {
  return spec.baseline === undefined ? setup.name : `${setup.name} @${spec.name.split('@')[1] ?? ''}`;
}

/** The table of one subscriber count; ratios are against the single in-memory process of the same build. */
export function formatRedisTable(results: readonly ServerResult[]): string {
  const rows = results.map((r) => {
    const suffix = r.server.includes(' @') ? r.server.slice(r.server.indexOf(' @')) : '';
    const base = results.find((x) => x.status === 'ok' && x.server === `${SETUPS[0]!.name}${suffix}`);
    if (r.status !== 'ok')
      return [r.server, `FAILED: ${(r.error ?? '').split('\n')[0] ?? ''}`.slice(0, 60), ...Array<string>(10).fill('-')];
    const b = r.burst;
    const q = r.rate;
    return [
      r.server,
      b === undefined ? '-' : formatOps(b.deliveriesPerSec),
      ratio(b?.deliveriesPerSec, base?.burst?.deliveriesPerSec),
      b === undefined ? '-' : b.cpuUsPerDelivery.toFixed(2),
      ratio(b?.cpuUsPerDelivery, base?.burst?.cpuUsPerDelivery),
      b?.writesPerDelivery === undefined ? '-' : b.writesPerDelivery.toFixed(3),
      `${ms(b?.latencyMs.p50)} / ${ms(b?.latencyMs.p99)}`,
      q === undefined ? '-' : q.cpuUsPerDelivery.toFixed(2),
      `${ms(q?.latencyMs.p50)} / ${ms(q?.latencyMs.p99)}`,
      ratio(q?.latencyMs.p99, base?.rate?.latencyMs.p99),
      r.rss === undefined ? '-' : `${(r.rss.perStreamBytes / 1024).toFixed(1)} KiB`,
      lossOf(r),
    ];
  });
  return markdownTable(
    [
      'setup',
      'burst deliveries/s',
      'vs 1 process',
      'burst CPU µs/delivery',
      'vs 1 process',
      'burst writes/delivery',
      'burst p50 / p99 ms',
      'rate CPU µs/delivery',
      'rate p50 / p99 ms',
      'rate p99 vs 1 process',
      'RSS/idle stream',
      'loss',
    ],
    rows,
    [false, true, true, true, true, true, true, true, true, true, true, false],
  );
}

const LEGEND = [
  "With BENCH_BASELINE, each setup runs the baseline build too (rows ending @<sha>), right after or before the working tree's.",
  'Every publish goes to the first process; with Redis it reaches the others through Pub/Sub and is stored in a Redis Stream.',
  'burst writes/delivery: write + writev calls of the node-http processes (syscw of /proc/<pid>/io) per delivered event.',
  'CPU: all node-http processes summed (utime + stime from /proc), per delivered event; redis-server itself is not counted.',
  'vs 1 process: against one node-http process with the in-memory bus, measured in the same run.',
].join('\n');

/** Runs the scenario, prints one table per subscriber count, writes .bench-out/fanout-redis.json. */
export async function runFanoutRedisBench(config: FanoutConfig = readRedisConfig()): Promise<ServerResult[]> {
  checkLimits(config);
  assertBuilt();
  const spec = SERVERS.find((s) => s.name === 'node-http')!;
  const specs: ServerSpec[] = [spec];
  if (config.baseline !== undefined) {
    specs.push(...baselineSpecs([spec], await prepareBaseline(config.baseline)).specs);
  }
  const uninstall = installCleanup();
  console.log(
    `subscribers: ${config.subscribers.join(', ')}; burst ${config.burst} events (${config.burstConcurrency} in flight); ` +
      `rate ${config.rate}/s for ${config.rateSeconds} s; ${config.clientProcesses} subscriber processes\n`,
  );
  const all: ServerResult[] = [];
  let redis: RunningRedis | undefined;
  const pool = new SubscriberPool(config.clientProcesses);
  try {
    redis = await startRedis();
    for (const subscribers of config.subscribers) {
      const results: ServerResult[] = [];
      for (const [index, setup] of SETUPS.entries()) {
        // The working tree and the baseline alternate which goes first, setup by setup.
        for (const build of index % 2 === 0 ? specs : [...specs].reverse()) {
          const started = performance.now();
          const result = await measureServer(build, subscribers, pool, config, {
            instances: setup.instances,
            env: setup.redis ? { REDIS_URL: redis.url } : {},
          });
          const name = rowName(setup, build);
          results.push({ ...result, server: name });
          const b = result.burst;
          console.log(
            `  ${name} @ ${subscribers}: ${result.status === 'ok' ? `ok${b === undefined ? '' : `, burst ${b.cpuUsPerDelivery.toFixed(2)} µs/delivery`}` : `FAILED: ${result.error ?? ''}`} ` +
              `(${((performance.now() - started) / 1000).toFixed(1)} s)`,
          );
        }
      }
      // Table order: each build's setups together, the working tree's first.
      results.sort((a, b) => Number(a.server.includes(' @')) - Number(b.server.includes(' @')));
      all.push(...results);
      console.log(
        `\n### ${subscribers.toLocaleString('en-US')} subscribers (burst: ${burstEvents(config, subscribers)} events; ` +
          `rate: ${publishRate(config, subscribers)}/s for ${config.rateSeconds} s)\n\n${formatRedisTable(results)}\n`,
      );
    }
  } finally {
    await pool.stop();
    killChildren();
    await redis?.stop().catch(() => undefined);
    uninstall();
  }
  console.log(LEGEND);
  mkdirSync(path.dirname(REDIS_JSON_PATH), { recursive: true });
  const report = {
    date: new Date().toISOString(),
    machine: {
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
    },
    config: { ...config },
    results: all,
  };
  writeFileSync(REDIS_JSON_PATH, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nresults: ${REDIS_JSON_PATH}`);
  return all;
}
