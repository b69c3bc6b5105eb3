// Turns fan-out results into one markdown table per subscriber count, the target checks, and
// .bench-out/fanout.json (which docs are generated from).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatOps, markdownTable } from '../table.js';
import type { FanoutReport, PhaseResult, ServerResult, TargetCheck } from './results.js';
import { ROOT } from './servers.js';

/** Where the JSON goes (gitignored). */
export const JSON_PATH = path.join(ROOT, '.bench-out', 'fanout.json');

/** The hand loop is the bar for CPU and latency; node-http the bar for Hono. */
const HAND = 'hand-loop';
const NODE_HTTP = 'node-http';
/** Issue 17: these adapters batch under load to at most 0.7x the hand loop's CPU per delivery. */
const BATCHING = ['node-http', 'express', 'fastify', 'koa'];
const BATCH_CPU_FACTOR = 0.7;
/** Issue 17: Hono within 1.2x node-http. */
const HONO = 'hono';
const HONO_FACTOR = 1.2;
/** Issue 17: at most 1.5 KiB per idle stream over the bare framework, for every adapter. */
const OVER_BARE_LIMIT_KIB = 1.5;
/** The subscriber count the targets are set at. */
export const TARGET_SUBSCRIBERS = 10_000;

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

/** Latency in ms with 3 significant digits. */
function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

function ratio(value: number | undefined, base: number | undefined): string {
  if (value === undefined || base === undefined || !Number.isFinite(value) || !(base > 0)) return '-';
  return `${(value / base).toFixed(2)}x`;
}

/** Loss, duplicates and closed streams of both phases; empty when the run was clean. */
export function lossOf(result: ServerResult): string {
  const phases = [result.burst, result.rate].filter((p): p is PhaseResult => p !== undefined);
  const missing = phases.reduce((sum, p) => sum + p.missing, 0);
  const duplicates = phases.reduce((sum, p) => sum + p.duplicates, 0);
  const closed = phases.reduce((sum, p) => sum + p.closed, 0);
  const failedPublishes = phases.reduce((sum, p) => sum + p.publishes - p.accepted, 0);
  const cut = phases.reduce((sum, p) => sum + p.planned - p.publishes, 0);
  const parts: string[] = [];
  if (missing > 0) parts.push(`${missing} lost`);
  if (duplicates > 0) parts.push(`${duplicates} dup`);
  if (closed > 0) parts.push(`${closed} closed`);
  if (failedPublishes > 0) parts.push(`${failedPublishes} publishes failed`);
  if (cut > 0) parts.push(`${cut} publishes cut by the deadline`);
  return parts.length === 0 ? '0' : `FLAGGED: ${parts.join(', ')}`;
}

function byName(results: readonly ServerResult[], name: string): ServerResult | undefined {
  return results.find((r) => r.server === name && r.status === 'ok');
}

/** RSS KiB per idle stream, when measured. */
function kib(result: ServerResult | undefined): number | undefined {
  return result?.rss === undefined ? undefined : result.rss.perStreamBytes / 1024;
}

/** Heap + external KiB per idle stream after a full collection, when measured. */
function heapKib(result: ServerResult | undefined): number | undefined {
  return result?.heap === undefined ? undefined : result.heap.perStreamBytes / 1024;
}

/** What ssekit adds per idle stream over its bare framework: by heap when both were probed, else by RSS. */
function overBare(
  result: ServerResult,
  bare: ServerResult | undefined,
): { kib: number; by: 'heap' | 'RSS' } | undefined {
  if (result.status !== 'ok' || bare === undefined) return undefined;
  const h = heapKib(result);
  const hb = heapKib(bare);
  if (h !== undefined && hb !== undefined) return { kib: h - hb, by: 'heap' };
  const r = kib(result);
  const rb = kib(bare);
  return r === undefined || rb === undefined ? undefined : { kib: r - rb, by: 'RSS' };
}

function signed(value: number | undefined): string {
  return value === undefined ? '-' : `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;
}

/** The bare comparator measured for the same framework as `result` (a demo or its baseline). */
function bareFor(results: readonly ServerResult[], result: ServerResult): ServerResult | undefined {
  return results.find((r) => r.role === 'bare' && r.framework === result.framework && r.status === 'ok');
}

/** The table of one subscriber count, every server side by side. */
export function formatTable(results: readonly ServerResult[]): string {
  const hand = byName(results, HAND);
  const nodeHttp = byName(results, NODE_HTTP);
  const rows = results.map((r) => {
    if (r.status !== 'ok') {
      const why = r.status === 'missing' ? 'missing' : `FAILED: ${(r.error ?? '').split('\n')[0] ?? ''}`;
      return [r.server, why.slice(0, 60), ...Array<string>(11).fill('-')];
    }
    const b = r.burst;
    const q = r.rate;
    return [
      r.server,
      r.rss === undefined ? '-' : `${fixed(r.rss.perStreamBytes / 1024, 1)} KiB`,
      b === undefined ? '-' : formatOps(b.deliveriesPerSec),
      fixed(b?.cpuUsPerDelivery, 2),
      ratio(b?.cpuUsPerDelivery, hand?.burst?.cpuUsPerDelivery),
      ratio(b?.cpuUsPerDelivery, nodeHttp?.burst?.cpuUsPerDelivery),
      fixed(b?.writesPerDelivery, 3),
      `${ms(b?.latencyMs.p50)} / ${ms(b?.latencyMs.p99)}`,
      fixed(q?.cpuUsPerDelivery, 2),
      `${ms(q?.latencyMs.p50)} / ${ms(q?.latencyMs.p99)}`,
      ratio(q?.latencyMs.p99, hand?.rate?.latencyMs.p99),
      lossOf(r),
    ];
  });
  return markdownTable(
    [
      'server',
      'RSS/idle stream',
      'burst deliveries/s',
      'burst CPU µs/delivery',
      'vs hand-loop',
      'vs node-http',
      'burst writes/delivery',
      'burst p50 / p99 ms',
      'rate CPU µs/delivery',
      'rate p50 / p99 ms',
      'rate p99 vs hand-loop',
      'loss',
    ],
    rows,
    [false, true, true, true, true, true, true, true, true, true, true, false],
  );
}

/**
 * Memory per idle stream of every ssekit demo (and its baseline build) next to the same framework
 * holding its streams without ssekit, measured in the same run: ssekit's own cost is the
 * difference, judged on the heap after a full collection (exact), with RSS beside it.
 */
export function formatMemoryTable(results: readonly ServerResult[]): string {
  const rows = results
    .filter((r) => r.role === 'ssekit' && r.status === 'ok')
    .map((r) => {
      const bare = bareFor(results, r);
      const over = overBare(r, bare);
      const rssOver = kib(r) === undefined || kib(bare) === undefined ? undefined : kib(r)! - kib(bare)!;
      return [
        r.server,
        bare?.server ?? '-',
        fixed(heapKib(bare), 1),
        fixed(heapKib(r), 1),
        signed(heapKib(r) === undefined || heapKib(bare) === undefined ? undefined : heapKib(r)! - heapKib(bare)!),
        fixed(kib(bare), 1),
        fixed(kib(r), 1),
        signed(rssOver),
        over === undefined ? '-' : `${over.kib <= OVER_BARE_LIMIT_KIB ? 'met' : 'missed'} (${over.by})`,
        `${fixed(bare?.connect?.cpuUsPerStream, 0)} / ${fixed(r.connect?.cpuUsPerStream, 0)}`,
      ];
    });
  return markdownTable(
    [
      'adapter',
      'bare framework',
      'heap KiB bare',
      'heap KiB ssekit',
      "ssekit's own (heap)",
      'RSS KiB bare',
      'RSS KiB ssekit',
      "ssekit's own (RSS)",
      `own <= ${OVER_BARE_LIMIT_KIB} KiB`,
      'connect CPU µs/stream bare / ssekit',
    ],
    rows,
    [false, false, true, true, true, true, true, true, false, true],
  );
}

/** Each baseline demo against the working tree's, measured in the same run; empty without a baseline. */
export function formatBaselineTable(results: readonly ServerResult[]): string {
  const pairs = results
    .filter((r) => r.baselineOf !== undefined)
    .map((before) => ({ before, after: results.find((r) => r.server === before.baselineOf) }))
    .filter((p): p is { before: ServerResult; after: ServerResult } => p.after !== undefined);
  if (pairs.length === 0) return '';
  const both = (
    before: ServerResult,
    after: ServerResult,
    value: (r: ServerResult) => number | undefined,
    format: (v: number | undefined) => string,
  ): string[] => {
    const b = before.status === 'ok' ? value(before) : undefined;
    const a = after.status === 'ok' ? value(after) : undefined;
    return [`${format(b)} → ${format(a)}`, ratio(a, b)];
  };
  const rows = pairs.map(({ before, after }) => [
    `${before.server} → ${after.server}`,
    ...both(
      before,
      after,
      (r) => r.burst?.cpuUsPerDelivery,
      (v) => fixed(v, 2),
    ),
    ...both(
      before,
      after,
      (r) => r.burst?.writesPerDelivery,
      (v) => fixed(v, 3),
    ),
    ...both(before, after, (r) => r.rate?.latencyMs.p50, ms),
    ...both(before, after, (r) => r.rate?.latencyMs.p99, ms),
    both(before, after, heapKib, (v) => fixed(v, 1))[0]!,
    both(before, after, kib, (v) => fixed(v, 1))[0]!,
    `${before.status === 'ok' ? lossOf(before) : before.status} / ${after.status === 'ok' ? lossOf(after) : after.status}`,
  ]);
  return markdownTable(
    [
      'before → after',
      'burst CPU µs/delivery',
      'after/before',
      'burst writes/delivery',
      'after/before',
      'rate p50 ms',
      'after/before',
      'rate p99 ms',
      'after/before',
      'heap KiB/idle stream',
      'RSS KiB/idle stream',
      'loss before / after',
    ],
    rows,
    [false, true, true, true, true, true, true, true, true, true, true, false],
  );
}

/** Issue 17's targets, checked on the results of one subscriber count (baseline rows are not judged). */
export function checkTargets(all: readonly ServerResult[]): TargetCheck[] {
  const results = all.filter((r) => r.baselineOf === undefined);
  const subscribers = results[0]?.subscribers ?? 0;
  const hand = byName(results, HAND);
  const nodeHttp = byName(results, NODE_HTTP);
  const checks: TargetCheck[] = [];
  const check = (
    server: string,
    target: string,
    value: number | undefined,
    limit: number | undefined,
    unit: string,
  ): void => {
    const known = value !== undefined && limit !== undefined && Number.isFinite(value) && Number.isFinite(limit);
    checks.push({
      subscribers,
      server,
      target,
      measured: known ? `${value.toFixed(2)}${unit} vs ${limit.toFixed(2)}${unit}` : 'not measured',
      pass: known ? value <= limit : undefined,
    });
  };
  const cpu = (r: ServerResult | undefined): number | undefined => r?.burst?.cpuUsPerDelivery;
  const handCpu = cpu(hand);
  for (const name of BATCHING) {
    const r = byName(results, name);
    if (r === undefined && !results.some((x) => x.server === name)) continue;
    check(
      name,
      `burst CPU/delivery <= ${BATCH_CPU_FACTOR}x hand-loop`,
      cpu(r),
      handCpu === undefined ? undefined : handCpu * BATCH_CPU_FACTOR,
      ' µs',
    );
    check(name, 'rate p50 <= hand-loop rate p50', r?.rate?.latencyMs.p50, hand?.rate?.latencyMs.p50, ' ms');
  }
  if (results.some((x) => x.server === HONO)) {
    const nodeCpu = cpu(nodeHttp);
    check(
      HONO,
      `burst CPU/delivery <= ${HONO_FACTOR}x node-http`,
      cpu(byName(results, HONO)),
      nodeCpu === undefined ? undefined : nodeCpu * HONO_FACTOR,
      ' µs',
    );
  }
  for (const r of results.filter((x) => x.role === 'ssekit')) {
    const bare = bareFor(results, r);
    const over = overBare(r, bare);
    check(
      r.server,
      `idle stream <= ${OVER_BARE_LIMIT_KIB} KiB over ${bare?.server ?? 'the bare framework'} (${over?.by ?? 'heap'})`,
      over?.kib,
      OVER_BARE_LIMIT_KIB,
      ' KiB',
    );
  }
  for (const r of results) {
    if (r.status !== 'ok') continue;
    const loss = lossOf(r);
    if (loss !== '0')
      checks.push({
        subscribers,
        server: r.server,
        target: 'every subscriber gets every event',
        measured: loss,
        pass: false,
      });
  }
  return checks;
}

/** System calls per delivery by name, one column per server (strace -c, burst). */
export function formatSyscalls(traced: NonNullable<FanoutReport['syscalls']>, top = 8): string {
  const names = [...new Set(traced.flatMap((t) => Object.keys(t.counts)))].sort(
    (a, b) =>
      Math.max(...traced.map((t) => (t.counts[b] ?? 0) / t.deliveries)) -
      Math.max(...traced.map((t) => (t.counts[a] ?? 0) / t.deliveries)),
  );
  return markdownTable(
    ['system calls per delivery (strace -c, burst)', ...traced.map((t) => t.server)],
    names.slice(0, top).map((name) => [name, ...traced.map((t) => ((t.counts[name] ?? 0) / t.deliveries).toFixed(3))]),
    [false, ...traced.map(() => true)],
  );
}

export function formatTargets(checks: readonly TargetCheck[]): string {
  return markdownTable(
    ['server', 'target', 'measured vs limit', 'result'],
    checks.map((c) => [c.server, c.target, c.measured, c.pass === undefined ? 'n/a' : c.pass ? 'PASS' : 'FAIL']),
    [false, false, true, false],
  );
}

/** The notes printed under the tables: what each column means. */
export const LEGEND = [
  'burst: publishes as fast as the publisher can (a few in flight): throughput and CPU.',
  'rate: a fixed publish rate, open loop, kept below saturation (see the heading): latency of one fan-out.',
  'CPU: the server process only (utime + stime of all its threads from /proc), per delivered event.',
  'vs hand-loop / vs node-http: CPU per delivery relative to that server in the same run (lower is better).',
  'burst writes/delivery: write + writev system calls of the server (syscw of /proc/<pid>/io) per delivered event; below 1, events were joined.',
  'latency: from the publisher creating the request to the subscriber process reading the event.',
  'RSS/idle stream: (server RSS with every stream open and idle - RSS before) / streams, both after a full collection (a preloaded probe calls gc()).',
  "heap (memory table): the same for the live JS heap + external memory after that collection; ssekit's own = a demo's minus its bare framework's.",
  'reps: each server ran BENCH_REPS times per count, interleaved (every second repetition in reverse order); the tables show its run with the lowest burst CPU per delivery.',
  'loss: expected deliveries that never arrived, duplicates, streams the server closed; anything but 0 is flagged.',
].join('\n');

export function writeJson(report: FanoutReport): void {
  mkdirSync(path.dirname(JSON_PATH), { recursive: true });
  writeFileSync(JSON_PATH, `${JSON.stringify(report, null, 2)}\n`);
}
