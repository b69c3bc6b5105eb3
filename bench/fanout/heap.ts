// Where ssekit's memory per idle stream goes: for each chosen demo and its bare framework, a heap
// snapshot with no stream open (after a warm-up) and one with N idle streams, taken by the
// preloaded probe (v8.writeHeapSnapshot after a full collection), summarised by class and diffed:
// what each class adds per stream with ssekit, without it, and the difference.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { markdownTable } from '../table.js';
import { SubscriberPool } from './clients.js';
import { readFanoutConfig } from './config.js';
import { growth, summarizeSnapshot } from './heapsnapshot.js';
import type { ClassGrowth } from './heapsnapshot.js';
import { PROBE_FLAGS, probeEnv, weigh } from './probe.js';
import { assertOpenFileLimit } from './proc.js';
import { installCleanup } from './run.js';
import { ROOT, SERVERS, assertBuilt, bareOf, killChildren, startServer } from './servers.js';
import type { ServerSpec } from './servers.js';

const OUT = path.join(ROOT, '.bench-out', 'heap');
const CONNECT_TIMEOUT_MS = 120_000;
/** Writing a snapshot of a few hundred MB of heap takes a while on a busy machine. */
const SNAPSHOT_TIMEOUT_MS = 300_000;
const WARMUP_STREAMS = 200;
/** Rows per table: the classes that differ most. */
const TOP = 32;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One server's growth between its two snapshots. */
interface Weighed {
  server: string;
  streams: number;
  /** Heap + external per stream from the probe's memoryUsage (after a full collection). */
  heapPerStream: number;
  /** Sum of the snapshot's object sizes, per stream. */
  snapshotPerStream: number;
  objectsPerStream: number;
  classes: Map<string, ClassGrowth>;
  snapshots: [string, string];
}

async function snapshotServer(spec: ServerSpec, streams: number, pool: SubscriberPool): Promise<Weighed> {
  const dir = path.join(OUT, spec.name);
  rmSync(dir, { recursive: true, force: true });
  const server = await startServer(spec, PROBE_FLAGS, undefined, probeEnv(dir, true));
  try {
    const warm = await pool.connect(server.port, '/events', WARMUP_STREAMS, CONNECT_TIMEOUT_MS);
    if (warm.open === 0) throw new Error(`${spec.name}: no stream opened: ${warm.errors.join('; ')}`);
    await pool.closeAll();
    await sleep(1000);
    const before = await weigh(server.pid, dir, SNAPSHOT_TIMEOUT_MS);
    const connect = await pool.connect(server.port, '/events', streams, CONNECT_TIMEOUT_MS);
    if (connect.open < streams)
      throw new Error(`${spec.name}: only ${connect.open} of ${streams} streams opened: ${connect.errors.join('; ')}`);
    await sleep(1000);
    const after = await weigh(server.pid, dir, SNAPSHOT_TIMEOUT_MS);
    await pool.closeAll();
    const files: [string, string] = [
      path.join(dir, 'idle-0.heapsnapshot'),
      path.join(dir, `idle-${streams}.heapsnapshot`),
    ];
    renameSync(before.snapshot!, files[0]);
    renameSync(after.snapshot!, files[1]);
    // Summarised with the server gone, so the two do not share the CPU.
    await server.stop();
    const a = summarizeSnapshot(files[0]);
    const b = summarizeSnapshot(files[1]);
    return {
      server: spec.name,
      streams,
      heapPerStream:
        (after.heapUsedBytes + after.externalBytes - before.heapUsedBytes - before.externalBytes) / streams,
      snapshotPerStream: (b.totalBytes - a.totalBytes) / streams,
      objectsPerStream: (b.nodes - a.nodes) / streams,
      classes: growth(a, b, streams),
      snapshots: files,
    };
  } finally {
    await pool.closeAll().catch(() => undefined);
    await server.stop();
  }
}

function bytes(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(0);
}

function count(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(2);
}

/** The classes that grow per stream with ssekit and without, side by side, the largest differences first. */
export function formatHeapDiff(ssekit: Weighed, bare: Weighed): string {
  const names = [...new Set([...ssekit.classes.keys(), ...bare.classes.keys()])].filter((name) => {
    const s = ssekit.classes.get(name);
    const b = bare.classes.get(name);
    // Growth per stream, not noise: at least one object per four streams, or 8 bytes per stream.
    return [s, b].some((g) => g !== undefined && (Math.abs(g.count) >= 0.25 || Math.abs(g.selfBytes) >= 8));
  });
  const diff = (name: string): number =>
    (ssekit.classes.get(name)?.selfBytes ?? 0) - (bare.classes.get(name)?.selfBytes ?? 0);
  names.sort((x, y) => Math.abs(diff(y)) - Math.abs(diff(x)));
  const rows = names.slice(0, TOP).map((name) => {
    const s = ssekit.classes.get(name);
    const b = bare.classes.get(name);
    return [
      name,
      count(s?.count),
      bytes(s?.selfBytes),
      bytes(s?.retainedBytes),
      count(b?.count),
      bytes(b?.selfBytes),
      bytes(b?.retainedBytes),
      `${diff(name) >= 0 ? '+' : ''}${diff(name).toFixed(0)}`,
    ];
  });
  rows.push([
    'all objects (snapshot)',
    count(ssekit.objectsPerStream),
    bytes(ssekit.snapshotPerStream),
    '',
    count(bare.objectsPerStream),
    bytes(bare.snapshotPerStream),
    '',
    (ssekit.snapshotPerStream - bare.snapshotPerStream).toFixed(0),
  ]);
  rows.push([
    'heap + external (memoryUsage)',
    '',
    bytes(ssekit.heapPerStream),
    '',
    '',
    bytes(bare.heapPerStream),
    '',
    (ssekit.heapPerStream - bare.heapPerStream).toFixed(0),
  ]);
  return markdownTable(
    [
      'class (per idle stream)',
      `${ssekit.server} objects`,
      'self B',
      'retained B',
      `${bare.server} objects`,
      'self B',
      'retained B',
      'self B difference',
    ],
    rows,
    [false, true, true, true, true, true, true, true],
  );
}

/**
 * `pnpm bench fanout-heap`: heap snapshots of `BENCH_HEAP_SERVERS` (default node-http,express)
 * and their bare frameworks at 0 and `BENCH_HEAP_STREAMS` (default 10,000) idle streams.
 */
export async function runFanoutHeap(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = readFanoutConfig({
    ...env,
    BENCH_SERVERS: env.BENCH_HEAP_SERVERS ?? 'node-http,express',
    BENCH_SUBSCRIBERS: env.BENCH_HEAP_STREAMS ?? '10000',
  });
  const streams = config.subscribers[0]!;
  assertOpenFileLimit(streams + 500, 'server under test');
  assertBuilt();
  const specs = config.servers.map((name) => SERVERS.find((s) => s.name === name)!);
  const notDemo = specs.filter((s) => s.role !== 'ssekit');
  if (notDemo.length > 0)
    throw new Error(
      `bench: BENCH_HEAP_SERVERS names demos (their bare framework comes along): not ${notDemo.map((s) => s.name).join(', ')}`,
    );
  mkdirSync(OUT, { recursive: true });
  const uninstall = installCleanup();
  const pool = new SubscriberPool(Math.max(config.clientProcesses, Math.ceil(streams / config.maxStreamsPerProcess)));
  const summary: Record<string, unknown>[] = [];
  try {
    for (const spec of specs) {
      const bare = bareOf(spec);
      if (bare === undefined) throw new Error(`bench: ${spec.name} has no bare comparator`);
      const started = performance.now();
      // The bare framework first, then ssekit on it, one after the other on the same machine.
      const without = await snapshotServer(bare, streams, pool);
      const with_ = await snapshotServer(spec, streams, pool);
      console.log(
        `\n### ${spec.name} against ${bare.name}, ${streams.toLocaleString('en-US')} idle streams ` +
          `(${((performance.now() - started) / 1000).toFixed(0)} s)\n\n${formatHeapDiff(with_, without)}\n`,
      );
      console.log(
        `snapshots: ${[...without.snapshots, ...with_.snapshots].map((f) => path.relative(ROOT, f)).join(', ')}`,
      );
      for (const w of [without, with_])
        summary.push({ ...w, classes: [...w.classes.values()].filter((c) => c.count !== 0) });
    }
  } finally {
    await pool.stop();
    killChildren();
    uninstall();
  }
  console.log(
    [
      '',
      'objects, self B: what each class adds per idle stream (instances and their own bytes) between a snapshot with no',
      'stream (after 200 were opened and closed) and one with every stream open; retained B: bytes freed with them (each',
      'class counted once per retaining path). The snapshots load in Chrome DevTools (Memory, Load) for the retainer paths.',
    ].join('\n'),
  );
  writeFileSync(path.join(OUT, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
}
