// The scale scenario's results: their shape, the tables, the targets, .bench-out/scale.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { markdownTable } from '../table.js';
import { ROOT } from '../fanout/servers.js';
import type { ScaleConfig } from './config.js';

/** Where the results go (gitignored). */
export const SCALE_JSON_PATH = path.join(ROOT, '.bench-out', 'scale.json');

/** Issue 17's targets at 100,000 streams. */
const TARGET_STREAMS = 100_000;
const CONNECT_TARGET_S = 60;
const LAST_SUBSCRIBER_P99_TARGET_MS = 2000;

/** One run at one stream count. */
export interface ScaleResult {
  streams: number;
  workers: number;
  clients: number;
  inflight: number;
  clusterEnv: Record<string, string>;
  status: 'ok' | 'failed';
  error?: string;
  connect?: {
    open: number;
    failed: number;
    errors: string[];
    /** From the standing start to the last stream's response head, s. */
    seconds: number;
    perSecond: number;
    /** When half, 90% and 99% of the streams were open, s (to the timeline's step). */
    at: { p50?: number; p90?: number; p99?: number };
    /** `net.connect` to response head per stream, ms. */
    handshakeMs: { p50: number; p99: number; max: number };
    /** CPU spent while connecting, s. */
    cpuSeconds: { primary: number; workers: number; clients: number };
    /** Kernel TCP counters over the connect phase (the whole machine's). */
    kernel: Record<string, number>;
    /** The most connections seen waiting in the listen socket's accept queue, and its backlog. */
    fullestAcceptQueue?: number;
    backlog?: number;
    /** Streams opened per 250 ms step. */
    timeline: number[];
  };
  memory?: { rssPerStream: number; heapPerStream: number };
  /** Open streams per worker once all connected. */
  distribution?: number[];
  publish?: {
    publishes: number;
    accepted: number;
    deliveries: number;
    expected: number;
    missing: number;
    duplicates: number;
    closed: number;
    /** Per publish, from the publisher creating the request to the last subscriber reading the event. */
    lastSubscriberMs: { p50: number; p99: number; max: number };
    /** The median over publishes of each publish's median delivery latency. */
    deliveryP50Ms: number;
    /** Primary and workers, user + system, per delivery. */
    cpuUsPerDelivery: number;
    /** The load generators' CPU per delivery: what reading the events cost on the same machine. */
    clientCpuUsPerDelivery: number;
    redisCpuUsPerPublish?: number;
    writesPerDelivery: number | undefined;
  };
}

function n(value: number | undefined, digits = 0): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

function thousands(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '-' : Math.round(value).toLocaleString('en-US');
}

/** Loss, duplicates and closed streams; `0` when clean. */
function loss(r: ScaleResult): string {
  const p = r.publish;
  if (p === undefined) return '-';
  const parts: string[] = [];
  if (p.missing > 0) parts.push(`${p.missing} lost`);
  if (p.duplicates > 0) parts.push(`${p.duplicates} dup`);
  if (p.closed > 0) parts.push(`${p.closed} closed`);
  if (p.accepted < p.publishes) parts.push(`${p.publishes - p.accepted} publishes failed`);
  return parts.length === 0 ? '0' : `FLAGGED: ${parts.join(', ')}`;
}

/** The tables of a scale run. */
export function formatScale(results: readonly ScaleResult[]): string {
  const setup = (r: ScaleResult): string =>
    `${thousands(r.streams)} (${r.workers} workers${
      Object.keys(r.clusterEnv).length > 0
        ? `, ${Object.entries(r.clusterEnv)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`
        : ''
    })`;
  const connecting = markdownTable(
    [
      'streams',
      'connected in s',
      'connects/s',
      '50% / 90% / 99% by s',
      'handshake p50 / p99 / max ms',
      'CPU s: primary / workers / clients',
      'listen overflows / SYN cookies / SYN retrans',
      'fullest accept queue / backlog',
      'failed',
    ],
    results.map((r) => {
      const c = r.connect;
      if (c === undefined) return [setup(r), `FAILED: ${(r.error ?? '').slice(0, 50)}`, ...Array<string>(7).fill('-')];
      return [
        setup(r),
        n(c.seconds, 1),
        thousands(c.perSecond),
        `${n(c.at.p50, 1)} / ${n(c.at.p90, 1)} / ${n(c.at.p99, 1)}`,
        `${n(c.handshakeMs.p50, 1)} / ${n(c.handshakeMs.p99, 0)} / ${n(c.handshakeMs.max, 0)}`,
        `${n(c.cpuSeconds.primary, 1)} / ${n(c.cpuSeconds.workers, 1)} / ${n(c.cpuSeconds.clients, 1)}`,
        `${thousands(c.kernel['TcpExt.ListenOverflows'])} / ${thousands(c.kernel['TcpExt.SyncookiesSent'])} / ${thousands(c.kernel['TcpExt.TCPSynRetrans'])}`,
        `${thousands(c.fullestAcceptQueue)} / ${thousands(c.backlog)}`,
        `${c.failed}`,
      ];
    }),
    [false, true, true, true, true, true, true, true, true],
  );
  const holding = markdownTable(
    [
      'streams',
      'last subscriber p50 / p99 / max ms',
      'delivery p50 ms',
      'deliveries',
      'loss',
      'CPU µs/delivery server / clients',
      'writes/delivery',
      'Redis CPU µs/publish',
      'RSS KiB/stream',
      'heap KiB/stream',
      'streams per worker',
    ],
    results.map((r) => {
      const p = r.publish;
      return [
        setup(r),
        p === undefined
          ? '-'
          : `${n(p.lastSubscriberMs.p50)} / ${n(p.lastSubscriberMs.p99)} / ${n(p.lastSubscriberMs.max)}`,
        n(p?.deliveryP50Ms),
        thousands(p?.deliveries),
        loss(r),
        `${n(p?.cpuUsPerDelivery, 2)} / ${n(p?.clientCpuUsPerDelivery, 2)}`,
        n(p?.writesPerDelivery, 3),
        n(p?.redisCpuUsPerPublish),
        n(r.memory === undefined ? undefined : r.memory.rssPerStream / 1024, 1),
        n(r.memory === undefined ? undefined : r.memory.heapPerStream / 1024, 1),
        r.distribution === undefined ? '-' : `${Math.min(...r.distribution)}–${Math.max(...r.distribution)}`,
      ];
    }),
    [false, true, true, true, false, true, true, true, true, true, true],
  );
  return `${connecting}\n\n${holding}`;
}

/** Issue 17's targets, checked on the runs at 100,000 streams (informational at other counts). */
export function formatScaleTargets(results: readonly ScaleResult[]): string {
  const rows = results.flatMap((r) => {
    const note = r.streams === TARGET_STREAMS ? '' : ' (informational)';
    const connect = r.connect?.seconds;
    const p99 = r.publish?.lastSubscriberMs.p99;
    const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'n/a' : ok ? 'PASS' : 'FAIL');
    return [
      [
        thousands(r.streams),
        `all connected in <= ${CONNECT_TARGET_S} s${note}`,
        connect === undefined ? 'not measured' : `${connect.toFixed(1)} s`,
        verdict(connect === undefined ? undefined : connect <= CONNECT_TARGET_S && r.connect!.failed === 0),
      ],
      [
        thousands(r.streams),
        `one publish to the last subscriber p99 <= ${LAST_SUBSCRIBER_P99_TARGET_MS} ms${note}`,
        p99 === undefined ? 'not measured' : `${p99.toFixed(0)} ms`,
        verdict(p99 === undefined ? undefined : p99 <= LAST_SUBSCRIBER_P99_TARGET_MS),
      ],
      [thousands(r.streams), 'nothing lost', loss(r), verdict(r.publish === undefined ? undefined : loss(r) === '0')],
    ];
  });
  return markdownTable(['streams', 'target', 'measured', 'result'], rows, [true, false, true, false]);
}

export const SCALE_LEGEND = [
  'connected in: from the standing start (cluster and load generators up, no stream) to the last response head.',
  '50% / 90% / 99% by: when that share of the streams was open (to the 250 ms step).',
  'handshake: net.connect to the response head, per stream; a dropped SYN shows as 1 s, 3 s, 7 s ...',
  'listen overflows / SYN cookies / SYN retrans: TcpExt counters of the whole machine over the connect phase.',
  'fullest accept queue: the most connections `ss` saw waiting to be accepted (sampled every 250 ms).',
  'last subscriber: per publish, from the publisher creating the request to the last subscriber reading the event; p50/p99 over the publishes.',
  "CPU µs/delivery: the primary and every worker (user + system from /proc) over the publishes, per delivery, then the load generators' own; redis-server apart, per publish.",
  'RSS / heap KiB/stream: (primary + workers after connecting - before) / streams; heap = live JS heap + external after a full collection.',
].join('\n');

/** Prints nothing; writes the results to .bench-out/scale.json. */
export function writeScaleJson(
  results: readonly ScaleResult[],
  settings: Record<string, string | undefined>,
  config: ScaleConfig,
): void {
  mkdirSync(path.dirname(SCALE_JSON_PATH), { recursive: true });
  const report = {
    date: new Date().toISOString(),
    machine: {
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      ...settings,
    },
    config,
    results,
  };
  writeFileSync(SCALE_JSON_PATH, `${JSON.stringify(report, null, 2)}\n`);
}
