// Where the CPU per delivery goes: runs the burst on a few servers under `node --cpu-prof` and
// prints, per delivered event, the self time of each category and of the top functions in the
// burst's window only (connecting and shutting down are cut out by time).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { markdownTable } from '../table.js';
import { SubscriberPool } from './clients.js';
import { burstEvents, readFanoutConfig } from './config.js';
import { profileWindow } from './cpuprofile.js';
import type { WindowProfile } from './cpuprofile.js';
import { measureServer } from './measure-server.js';
import { assertOpenFileLimit } from './proc.js';
import { formatSyscalls } from './report.js';
import { ROOT, SERVERS, assertBuilt, killChildren } from './servers.js';
import { assertStrace, countSyscalls } from './syscalls.js';
import type { SyscallCounts } from './syscalls.js';

const OUT = path.join(ROOT, '.bench-out', 'profiles');
/** Sampling interval, µs: fine enough for a few seconds of burst. */
const INTERVAL_US = 100;
const TOP = 14;

interface Profiled {
  server: string;
  deliveries: number;
  /** Whole-process CPU per delivery from /proc, µs (all threads, unprofiled overhead included). */
  procCpuUs: number;
  profile: WindowProfile;
}

function ns(micros: number, deliveries: number): string {
  return ((micros * 1000) / deliveries).toFixed(0);
}

interface Traced {
  subscribers: number;
  server: string;
  deliveries: number;
  counts: SyscallCounts;
}

function print(results: readonly Profiled[]): void {
  const categories = [...new Set(results.flatMap((r) => r.profile.byCategory.map((c) => c.name)))];
  const cell = (r: Profiled, category: string): string =>
    ns(r.profile.byCategory.find((c) => c.name === category)?.micros ?? 0, r.deliveries);
  console.log(
    markdownTable(
      ['ns per delivery (self time, main thread)', ...results.map((r) => r.server)],
      [
        ...categories.map((category) => [category, ...results.map((r) => cell(r, category))]),
        ['total sampled (busy)', ...results.map((r) => ns(r.profile.busyMicros, r.deliveries))],
        ['/proc CPU, all threads (profiled run)', ...results.map((r) => (r.procCpuUs * 1000).toFixed(0))],
      ],
      [false, ...results.map(() => true)],
    ),
  );
  for (const r of results) {
    console.log(`\n#### ${r.server}: top functions (${r.deliveries.toLocaleString('en-US')} deliveries)\n`);
    console.log(
      markdownTable(
        ['function', 'ns/delivery', 'share'],
        r.profile.byFunction
          .slice(0, TOP)
          .map((f) => [
            f.name,
            ns(f.micros, r.deliveries),
            `${((100 * f.micros) / r.profile.busyMicros).toFixed(1)} %`,
          ]),
        [false, true, true],
      ),
    );
  }
}

/**
 * Profiles the burst on `BENCH_PROFILE_SERVERS` (default hand-loop, plain-http, node-http) at
 * `BENCH_PROFILE_SUBSCRIBERS` (default 5000) streams. Profiles stay in .bench-out/profiles/.
 * With `BENCH_PROFILE_STRACE=1`, each server runs the burst once more under `strace -c` and the
 * system calls per delivery are printed too.
 */
export async function runFanoutProfile(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = readFanoutConfig({
    ...env,
    BENCH_SERVERS: env.BENCH_PROFILE_SERVERS ?? 'hand-loop,plain-http,node-http',
    BENCH_SUBSCRIBERS: env.BENCH_PROFILE_SUBSCRIBERS ?? '5000',
  });
  const subscribers = config.subscribers[0]!;
  if (env.BENCH_PROFILE_STRACE === '1') assertStrace();
  assertOpenFileLimit(subscribers + 500, 'server under test');
  assertBuilt();
  console.log(
    `burst of ${burstEvents(config, subscribers)} events to ${subscribers} subscribers, sampled every ${INTERVAL_US} µs\n`,
  );
  const pool = new SubscriberPool(config.clientProcesses);
  const results: Profiled[] = [];
  const traced: Traced[] = [];
  try {
    for (const name of config.servers) {
      const spec = SERVERS.find((s) => s.name === name)!;
      const dir = path.join(OUT, name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      let window: [number, number] | undefined;
      const result = await measureServer(spec, subscribers, pool, config, {
        nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', String(INTERVAL_US)],
        burstOnly: true,
        onBurstWindow: (start, end) => (window = [start, end]),
      });
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (result.status !== 'ok' || result.burst === undefined || window === undefined || file === undefined) {
        console.log(`  ${name}: ${result.status} ${result.error ?? (file === undefined ? 'no profile written' : '')}`);
        continue;
      }
      const profile = profileWindow(path.join(dir, file), window[0], window[1]);
      results.push({
        server: name,
        deliveries: result.burst.deliveries,
        procCpuUs: result.burst.cpuUsPerDelivery,
        profile,
      });
      console.log(`  ${name}: ${path.relative(ROOT, path.join(dir, file))}`);
      if (env.BENCH_PROFILE_STRACE === '1') {
        let counts: SyscallCounts = {};
        const straced = await measureServer(spec, subscribers, pool, config, {
          burstOnly: true,
          aroundBurst: async (pid) => {
            const stop = await countSyscalls(pid);
            return async () => {
              counts = await stop();
            };
          },
        });
        if (straced.burst !== undefined)
          traced.push({ subscribers, server: name, deliveries: straced.burst.deliveries, counts });
        else console.log(`  ${name} under strace: ${straced.status} ${straced.error ?? ''}`);
      }
    }
  } finally {
    await pool.stop();
    killChildren();
  }
  console.log('');
  print(results);
  if (traced.length > 0) {
    console.log('');
    console.log(formatSyscalls(traced));
  }
  writeFileSync(path.join(OUT, 'summary.json'), `${JSON.stringify(results, null, 2)}\n`);
}
