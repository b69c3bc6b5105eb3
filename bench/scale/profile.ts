// BENCH_SCALE_PROFILE=1: the cluster runs under `node --cpu-prof` (the workers inherit the flag),
// and once it has exited, the self time its primary and workers spent during the connect phase is
// printed per connection, by category and by function: where the accept path goes.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { markdownTable } from '../table.js';
import { profileWindow } from '../fanout/cpuprofile.js';
import type { SelfTime, WindowProfile } from '../fanout/cpuprofile.js';

/** Sampling interval, µs: coarse enough for a minute of several processes. */
const INTERVAL_US = 500;
const TOP = 16;

/** The node flags that profile the cluster into `dir`. */
export function profileFlags(dir: string): string[] {
  return ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', String(INTERVAL_US)];
}

function merge(into: Map<string, number>, times: readonly SelfTime[]): void {
  for (const t of times) into.set(t.name, (into.get(t.name) ?? 0) + t.micros);
}

function rows(map: Map<string, number>, connections: number, busy: number, top: number): string[][] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, micros]) => [name, (micros / connections).toFixed(1), `${((100 * micros) / busy).toFixed(1)} %`]);
}

/**
 * Prints where the primary and the workers spent the connect window `[startUs, endUs]`
 * (monotonic µs), per connection.
 */
export function printConnectProfile(
  dir: string,
  primaryPid: number,
  startUs: number,
  endUs: number,
  connections: number,
): void {
  if (!existsSync(dir)) return;
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const primary = files.filter((f) => f.includes(`.${primaryPid}.`));
  const workers = files.filter((f) => !f.includes(`.${primaryPid}.`));
  for (const [who, list] of [
    ['primary', primary],
    [`workers (${workers.length})`, workers],
  ] as const) {
    const categories = new Map<string, number>();
    const functions = new Map<string, number>();
    let busy = 0;
    for (const file of list) {
      let window: WindowProfile;
      try {
        window = profileWindow(path.join(dir, file), startUs, endUs);
      } catch {
        continue;
      }
      busy += window.busyMicros;
      merge(categories, window.byCategory);
      merge(functions, window.byFunction);
    }
    if (busy === 0) {
      console.log(`\n${who}: no profile covers the connect window`);
      continue;
    }
    console.log(
      `\n#### ${who}: ${(busy / connections).toFixed(1)} µs of sampled CPU per connection while connecting\n\n` +
        markdownTable(['category (self time)', 'µs/connection', 'share'], rows(categories, connections, busy, 20), [
          false,
          true,
          true,
        ]) +
        '\n\n' +
        markdownTable(['function (self time)', 'µs/connection', 'share'], rows(functions, connections, busy, TOP), [
          false,
          true,
          true,
        ]) +
        '\n\n' +
        markdownTable(
          ['ssekit and demo functions (self time)', 'µs/connection', 'share'],
          rows(new Map([...functions].filter(([name]) => / (packages|examples)\//.test(name))), connections, busy, TOP),
          [false, true, true],
        ),
    );
  }
}
