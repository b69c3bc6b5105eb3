// The benchmark's side of memory-probe.mjs: the node flags that preload it, and `weigh`, which
// asks a server for a full collection and its memory figures (and, when asked, a heap snapshot).
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rssBytes } from './proc.js';

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'memory-probe.mjs');

/** Node flags that preload the probe: `gc()` exposed for it, nothing else changed. */
export const PROBE_FLAGS: readonly string[] = ['--expose-gc', '--import', pathToFileURL(PROBE).href];

/** The environment that switches the probe on, answering into `dir`. */
export function probeEnv(dir: string, snapshot = false): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  return { BENCH_PROBE_DIR: dir, ...(snapshot ? { BENCH_PROBE_SNAPSHOT: '1' } : {}) };
}

/** What one probe answered. */
export interface Weighed {
  /** Resident set size right after the collection, bytes (from /proc). */
  rssBytes: number;
  /** Live JS heap after the collection, bytes. */
  heapUsedBytes: number;
  /** Memory of Buffers and other objects held outside the JS heap, bytes. */
  externalBytes: number;
  /** The heap snapshot's path, when one was asked for. */
  snapshot?: string;
}

interface ProbeFile {
  seq: number;
  collected: boolean;
  memory: NodeJS.MemoryUsage;
  snapshot?: string;
}

function lastSeq(dir: string, pid: number): number {
  if (!existsSync(dir)) return 0;
  const prefix = `memory-${pid}-`;
  return Math.max(
    0,
    ...readdirSync(dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
      .map((f) => Number(f.slice(prefix.length, -'.json'.length))),
  );
}

/**
 * Sends SIGUSR2 to `pid` (started with {@link PROBE_FLAGS} and {@link probeEnv}`(dir)`) and
 * resolves to its memory after a full collection. Throws after `timeoutMs` (a snapshot of a big
 * heap takes a while: give it a minute).
 */
export async function weigh(pid: number, dir: string, timeoutMs = 15_000): Promise<Weighed> {
  const seq = lastSeq(dir, pid) + 1;
  const file = path.join(dir, `memory-${pid}-${seq}.json`);
  process.kill(pid, 'SIGUSR2');
  const deadline = performance.now() + timeoutMs;
  while (!existsSync(file)) {
    if (performance.now() > deadline)
      throw new Error(`bench: process ${pid} did not answer the memory probe within ${timeoutMs} ms (${file})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const answer = JSON.parse(readFileSync(file, 'utf8')) as ProbeFile;
  if (!answer.collected) throw new Error(`bench: process ${pid} has no gc(); was it started with ${PROBE_FLAGS[0]}?`);
  return {
    rssBytes: rssBytes(pid),
    heapUsedBytes: answer.memory.heapUsed,
    externalBytes: answer.memory.external,
    ...(answer.snapshot === undefined ? {} : { snapshot: answer.snapshot }),
  };
}
