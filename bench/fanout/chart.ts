// Draws the fan-out results as docs/benchmarks.svg: grouped bars, one group per subscriber count,
// one bar per server, for burst CPU per delivery (top) and fixed-rate p99 latency (bottom). Plain
// SVG written by hand, so the docs need no charting dependency and the file diffs as text.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { JSON_PATH } from './report.js';
import type { FanoutReport, ServerResult } from './results.js';
import { ROOT, SERVERS } from './servers.js';

/** Where the chart goes: next to docs/benchmarks.md, which shows it. */
export const SVG_PATH = path.join(ROOT, 'docs', 'benchmarks.svg');

/** One colour per server, in table order; the hand-written comparators in greys. */
const COLOURS: Record<string, string> = {
  'hand-loop': '#4d4d4d',
  'plain-http': '#a6a6a6',
  'node-http': '#1f77b4',
  express: '#d62728',
  fastify: '#2ca02c',
  koa: '#9467bd',
  hono: '#ff7f0e',
};
const FALLBACK_COLOUR = '#17becf';

const WIDTH = 860;
const MARGIN = { left: 70, right: 20 };
const PANEL_HEIGHT = 230;
const TITLE_HEIGHT = 64;
const LEGEND_HEIGHT = 44;
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
];

function drawPanel(
  panel: Panel,
  top: number,
  counts: readonly number[],
  servers: readonly string[],
  results: readonly ServerResult[],
): string[] {
  const out: string[] = [];
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
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
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="${i === 0 ? 'axis' : 'grid'}"/>`,
      `<text x="${MARGIN.left - 6}" y="${(y(v) + 4).toFixed(1)}" class="tick" text-anchor="end">${tick(v)}</text>`,
    );
  }
  const midY = top + PANEL_HEIGHT / 2;
  out.push(
    `<text x="18" y="${midY}" class="tick" text-anchor="middle" transform="rotate(-90 18 ${midY})">${escape(panel.unit)}</text>`,
  );

  const groupWidth = plotWidth / Math.max(1, counts.length);
  const barWidth = Math.min(56, (groupWidth * 0.8) / Math.max(1, servers.length));
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
  const ok = report.results.filter((r) => r.status === 'ok');
  const counts = [...new Set(ok.map((r) => r.subscribers))].sort((a, b) => a - b);
  // Table order, then any server this version of the benchmark does not know.
  const named = new Set(ok.map((r) => r.server));
  const servers = [
    ...SERVERS.map((s) => s.name).filter((n) => named.has(n)),
    ...[...named].filter((n) => !SERVERS.some((s) => s.name === n)),
  ];
  const m = report.machine;
  const height = TITLE_HEIGHT + LEGEND_HEIGHT + PANELS.length * (PANEL_HEIGHT + PANEL_GAP) + 10;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">`,
    '<style>.title{font-size:18px;font-weight:600}.sub{font-size:12px;fill:#555}.panel{font-size:14px;font-weight:600}' +
      '.tick{font-size:11px;fill:#333}.value{font-size:10px;fill:#222}.legend{font-size:12px}' +
      '.axis{stroke:#333;stroke-width:1}.grid{stroke:#ddd;stroke-width:1}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="26" class="title">ssekit fan-out: one publish to every SSE subscriber</text>`,
    `<text x="${MARGIN.left}" y="46" class="sub">${escape(
      `${report.date.slice(0, 10)} · Node ${m.node} · ${m.platform} · ${m.cpu} · ${m.cores} cores · ${m.memoryGiB} GiB`,
    )}</text>`,
  ];
  let x = MARGIN.left;
  const legendY = TITLE_HEIGHT + 12;
  for (const server of servers) {
    out.push(
      `<rect x="${x}" y="${legendY - 10}" width="12" height="12" fill="${COLOURS[server] ?? FALLBACK_COLOUR}"/>`,
      `<text x="${x + 17}" y="${legendY}" class="legend">${escape(server)}</text>`,
    );
    x += 30 + server.length * 7.5;
  }
  PANELS.forEach((panel, i) => {
    const top = TITLE_HEIGHT + LEGEND_HEIGHT + PANEL_GAP / 2 + i * (PANEL_HEIGHT + PANEL_GAP);
    out.push(...drawPanel(panel, top, counts, servers, report.results));
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Writes the chart of `report` to docs/benchmarks.svg. */
export function writeChart(report: FanoutReport): string {
  writeFileSync(SVG_PATH, renderChart(report));
  return SVG_PATH;
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
