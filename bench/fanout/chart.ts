// Draws the fan-out results as an SVG chart: grouped bars, one group per subscriber count, one bar
// per server, for burst CPU per delivery, fixed-rate p99 latency and heap per idle stream. Plain
// SVG written by hand, so the docs need no charting dependency and the file diffs as text. A run
// draws .bench-out/fanout.svg; `pnpm bench fanout-chart` draws docs/benchmarks.svg from its JSON,
// so a small smoke run never overwrites the chart the docs show.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { JSON_PATH } from './report.js';
import type { FanoutReport, ServerResult } from './results.js';
import { ROOT, SERVERS } from './servers.js';

/** Where the docs' chart goes: next to docs/benchmarks.md, which shows it. */
export const SVG_PATH = path.join(ROOT, 'docs', 'benchmarks.svg');
/** Where every run draws its own chart (gitignored). */
export const RUN_SVG_PATH = path.join(ROOT, '.bench-out', 'fanout.svg');

/** One colour per server, in table order; the hand-written comparators in greys. */
const COLOURS: Record<string, string> = {
  'hand-loop': '#4d4d4d',
  'plain-http': '#a6a6a6',
  'node-http': '#1f77b4',
  express: '#d62728',
  fastify: '#2ca02c',
  koa: '#9467bd',
  hono: '#ff7f0e',
  'bare-express': '#f4a6a6',
  'bare-fastify': '#a6dba0',
  'bare-koa': '#cab2d6',
  'bare-hono': '#fdc086',
  'better-sse': '#8c564b',
  'fastify-sse': '#e377c2',
};
const FALLBACK_COLOUR = '#17becf';

const MIN_WIDTH = 860;
/** Narrower bars would not fit their value labels. */
const MIN_BAR = 24;
const MARGIN = { left: 70, right: 20 };
const PANEL_HEIGHT = 230;
const TITLE_HEIGHT = 64;
const LEGEND_ROW = 20;
const PANEL_GAP = 70;

function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** A round axis maximum at or above `value`: 1, 2, 2.5 or 5 times a power of ten. */
function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= value) ?? 10;
  return step * power;
}

function label(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** An axis tick: no trailing zeros. */
function tick(value: number): string {
  return String(Number(value.toPrecision(3)));
}

interface Panel {
  title: string;
  unit: string;
  value: (result: ServerResult) => number | undefined;
}

const PANELS: readonly Panel[] = [
  {
    title: 'Burst: server CPU per delivery (lower is better)',
    unit: 'µs per delivery',
    value: (r) => r.burst?.cpuUsPerDelivery,
  },
  {
    title: 'Fixed rate: p99 publish-to-receive latency (lower is better)',
    unit: 'p99 ms',
    value: (r) => r.rate?.latencyMs.p99,
  },
  {
    // The heap after a full collection: exact, where RSS moves in pages (the tables give both).
    title: 'Memory: live heap per idle stream, after a full collection (lower is better)',
    unit: 'KiB per stream',
    value: (r) => (r.heap === undefined ? undefined : r.heap.perStreamBytes / 1024),
  },
];

/** The chart's width: wide enough for every bar at {@link MIN_BAR}. */
function widthFor(groups: number, bars: number): number {
  return Math.max(MIN_WIDTH, Math.ceil(MARGIN.left + MARGIN.right + (groups * bars * MIN_BAR) / 0.85));
}

function drawPanel(
  panel: Panel,
  width: number,
  top: number,
  counts: readonly number[],
  servers: readonly string[],
  results: readonly ServerResult[],
): string[] {
  const out: string[] = [];
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const bottom = top + PANEL_HEIGHT;
  const find = (count: number, server: string): number | undefined => {
    const r = results.find((x) => x.subscribers === count && x.server === server && x.status === 'ok');
    const v = r === undefined ? undefined : panel.value(r);
    return v !== undefined && Number.isFinite(v) ? v : undefined;
  };
  const values = counts.flatMap((c) => servers.map((s) => find(c, s) ?? 0));
  const max = niceMax(Math.max(0, ...values));
  const y = (v: number): number => bottom - (v / max) * PANEL_HEIGHT;

  out.push(`<text x="${MARGIN.left}" y="${top - 14}" class="panel">${escape(panel.title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = (max * i) / 5;
    out.push(
      `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="${i === 0 ? 'axis' : 'grid'}"/>`,
      `<text x="${MARGIN.left - 6}" y="${(y(v) + 4).toFixed(1)}" class="tick" text-anchor="end">${tick(v)}</text>`,
    );
  }
  const midY = top + PANEL_HEIGHT / 2;
  out.push(
    `<text x="18" y="${midY}" class="tick" text-anchor="middle" transform="rotate(-90 18 ${midY})">${escape(panel.unit)}</text>`,
  );

  const groupWidth = plotWidth / Math.max(1, counts.length);
  const barWidth = Math.min(56, (groupWidth * 0.85) / Math.max(1, servers.length));
  counts.forEach((count, g) => {
    const groupLeft = MARGIN.left + g * groupWidth + (groupWidth - barWidth * servers.length) / 2;
    servers.forEach((server, s) => {
      const v = find(count, server);
      const x = groupLeft + s * barWidth;
      if (v === undefined) {
        out.push(
          `<text x="${(x + barWidth / 2).toFixed(1)}" y="${bottom - 4}" class="value" text-anchor="middle">n/a</text>`,
        );
        return;
      }
      out.push(
        `<rect x="${(x + 1).toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(bottom - y(v)).toFixed(1)}" fill="${COLOURS[server] ?? FALLBACK_COLOUR}"><title>${escape(`${server} at ${count.toLocaleString('en-US')}: ${label(v)} ${panel.unit}`)}</title></rect>`,
        `<text x="${(x + barWidth / 2).toFixed(1)}" y="${(y(v) - 4).toFixed(1)}" class="value" text-anchor="middle">${label(v)}</text>`,
      );
    });
    out.push(
      `<text x="${(MARGIN.left + (g + 0.5) * groupWidth).toFixed(1)}" y="${bottom + 18}" class="tick" text-anchor="middle">${count.toLocaleString('en-US')} subscribers</text>`,
    );
  });
  return out;
}

/**
 * The chart of one run as an SVG document.
 * @param report - what `pnpm bench fanout` wrote to `.bench-out/fanout.json`.
 */
export function renderChart(report: FanoutReport): string {
  // A baseline build's rows check a change; the chart shows the working tree.
  const ok = report.results.filter((r) => r.status === 'ok' && r.baselineOf === undefined);
  const counts = [...new Set(ok.map((r) => r.subscribers))].sort((a, b) => a - b);
  // Table order, then any server this version of the benchmark does not know.
  const named = new Set(ok.map((r) => r.server));
  const servers = [
    ...SERVERS.map((s) => s.name).filter((n) => named.has(n)),
    ...[...named].filter((n) => !SERVERS.some((s) => s.name === n)),
  ];
  const m = report.machine;
  const width = widthFor(counts.length, servers.length);
  // The legend wraps to as many rows as it needs.
  const legend: { server: string; x: number; row: number }[] = [];
  let x = MARGIN.left;
  let row = 0;
  for (const server of servers) {
    const w = 30 + server.length * 7.5;
    if (x + w > width - MARGIN.right && x > MARGIN.left) {
      row++;
      x = MARGIN.left;
    }
    legend.push({ server, x, row });
    x += w;
  }
  const legendHeight = (row + 1) * LEGEND_ROW + 24;
  const height = TITLE_HEIGHT + legendHeight + PANELS.length * (PANEL_HEIGHT + PANEL_GAP) + 10;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">`,
    '<style>.title{font-size:18px;font-weight:600}.sub{font-size:12px;fill:#555}.panel{font-size:14px;font-weight:600}' +
      '.tick{font-size:11px;fill:#333}.value{font-size:10px;fill:#222}.legend{font-size:12px}' +
      '.axis{stroke:#333;stroke-width:1}.grid{stroke:#ddd;stroke-width:1}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="26" class="title">ssekit fan-out: one publish to every SSE subscriber</text>`,
    `<text x="${MARGIN.left}" y="46" class="sub">${escape(
      `${report.date.slice(0, 10)} · Node ${m.node} · ${m.platform} · ${m.cpu} · ${m.cores} cores · ${m.memoryGiB} GiB`,
    )}</text>`,
  ];
  for (const item of legend) {
    const y = TITLE_HEIGHT + 12 + item.row * LEGEND_ROW;
    out.push(
      `<rect x="${item.x}" y="${y - 10}" width="12" height="12" fill="${COLOURS[item.server] ?? FALLBACK_COLOUR}"/>`,
      `<text x="${item.x + 17}" y="${y}" class="legend">${escape(item.server)}</text>`,
    );
  }
  PANELS.forEach((panel, i) => {
    const top = TITLE_HEIGHT + legendHeight + PANEL_GAP / 2 + i * (PANEL_HEIGHT + PANEL_GAP);
    out.push(...drawPanel(panel, width, top, counts, servers, ok));
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Writes the chart of `report` to `file` (docs/benchmarks.svg unless told otherwise). */
export function writeChart(report: FanoutReport, file: string = SVG_PATH): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, renderChart(report));
  return file;
}

/** Redraws the chart from the last run's JSON without measuring anything (`pnpm bench fanout-chart`). */
export function writeChartFromJson(jsonPath: string = JSON_PATH): string {
  let report: FanoutReport;
  try {
    report = JSON.parse(readFileSync(jsonPath, 'utf8')) as FanoutReport;
  } catch (err) {
    throw new Error(
      `bench: cannot read ${path.relative(ROOT, jsonPath)} (${err instanceof Error ? err.message : String(err)}); run \`pnpm bench fanout\` first.`,
    );
  }
  return writeChart(report);
}
