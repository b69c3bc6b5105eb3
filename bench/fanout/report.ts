// Turns fan-out results into one markdown table per subscriber count, the target checks, and
// .bench-out/fanout.json (which docs are generated from).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatOps, markdownTable } from '../table.js';
import type { FanoutReport, PhaseResult, ServerResult, TargetCheck } from './results.js';
import { ROOT } from './servers.js';

/** Where the JSON goes (gitignored). */
export const JSON_PATH = path.join(ROOT, '.bench-out', 'fanout.json');

/** The hand loop is the bar for CPU and latency; node-http the bar for the framework adapters. */
const HAND = 'hand-loop';
const NODE_HTTP = 'node-http';
/** The Express, Fastify and Koa adapters have a target (issue 4); Hono's Web-stream path is reported (issue 8). */
const FRAMEWORKS = ['express', 'fastify', 'koa'];
const REPORTED = ['hono'];
const CPU_FACTOR = 1.1;
const RSS_LIMIT_BYTES = 12 * 1024;
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

/** The table of one subscriber count, every server side by side. */
export function formatTable(results: readonly ServerResult[]): string {
  const hand = byName(results, HAND);
  const nodeHttp = byName(results, NODE_HTTP);
  const rows = results.map((r) => {
    if (r.status !== 'ok') {
      const why = r.status === 'missing' ? 'missing' : `FAILED: ${(r.error ?? '').split('\n')[0] ?? ''}`;
      return [r.server, why.slice(0, 60), ...Array<string>(10).fill('-')];
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
      'burst p50 / p99 ms',
      'rate CPU µs/delivery',
      'rate p50 / p99 ms',
      'rate p99 vs hand-loop',
      'loss',
    ],
    rows,
    [false, true, true, true, true, true, true, true, true, true, false],
  );
}

/** The issues' targets, checked on the results of one subscriber count. */
export function checkTargets(results: readonly ServerResult[]): TargetCheck[] {
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
    strict = false,
  ): void => {
    const known = value !== undefined && limit !== undefined && Number.isFinite(value) && Number.isFinite(limit);
    checks.push({
      subscribers,
      server,
      target,
      measured: known ? `${value.toFixed(2)}${unit} vs ${limit.toFixed(2)}${unit}` : 'not measured',
      pass: known ? (strict ? value < limit : value <= limit) : undefined,
    });
  };
  const cpu = (r: ServerResult | undefined): number | undefined => r?.burst?.cpuUsPerDelivery;
  const handCpu = cpu(hand);
  check(
    NODE_HTTP,
    `CPU/delivery <= ${CPU_FACTOR}x hand-loop`,
    cpu(nodeHttp),
    handCpu === undefined ? undefined : handCpu * CPU_FACTOR,
    ' µs',
  );
  check(NODE_HTTP, 'rate p99 <= hand-loop rate p99', nodeHttp?.rate?.latencyMs.p99, hand?.rate?.latencyMs.p99, ' ms');
  check(
    NODE_HTTP,
    'RSS per idle stream < 12 KiB',
    nodeHttp?.rss === undefined ? undefined : nodeHttp.rss.perStreamBytes / 1024,
    RSS_LIMIT_BYTES / 1024,
    ' KiB',
    true,
  );
  const nodeCpu = cpu(nodeHttp);
  for (const name of FRAMEWORKS) {
    const r = results.find((x) => x.server === name);
    if (r === undefined) continue;
    check(
      name,
      `CPU/delivery <= ${CPU_FACTOR}x node-http`,
      cpu(r.status === 'ok' ? r : undefined),
      nodeCpu === undefined ? undefined : nodeCpu * CPU_FACTOR,
      ' µs',
    );
  }
  for (const name of REPORTED) {
    const value = cpu(results.find((x) => x.server === name && x.status === 'ok'));
    if (value === undefined || nodeCpu === undefined) continue;
    checks.push({
      subscribers,
      server: name,
      target: 'CPU/delivery vs node-http (reported, no target)',
      measured: `${(value / nodeCpu).toFixed(2)}x (${value.toFixed(2)} µs vs ${nodeCpu.toFixed(2)} µs)`,
      pass: undefined,
    });
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
  'latency: from the publisher creating the request to the subscriber process reading the event.',
  'RSS/idle stream: (server RSS with every stream open and idle - RSS before) / streams.',
  'loss: expected deliveries that never arrived, duplicates, streams the server closed; anything but 0 is flagged.',
].join('\n');

export function writeJson(report: FanoutReport): void {
  mkdirSync(path.dirname(JSON_PATH), { recursive: true });
  writeFileSync(JSON_PATH, `${JSON.stringify(report, null, 2)}\n`);
}
