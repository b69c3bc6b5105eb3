// Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and attributes the samples taken in
// a time window to functions and to coarse categories, as self time.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** µs on the monotonic clock (the one `process.hrtime` reads). */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one function (or category) in the window. */
export interface SelfTime {
  name: string;
  micros: number;
}

/** What one profile says about a window. */
export interface WindowProfile {
  /** Sampled time in the window, excluding `(idle)`, µs. */
  busyMicros: number;
  byCategory: SelfTime[];
  byFunction: SelfTime[];
}

/**
 * The categories the findings speak of, tried in order on a frame's URL and name. V8 attributes
 * time spent in a C++ binding (the write syscall, for one) to the binding's own frame, which has
 * no URL.
 */
const CATEGORIES: readonly [string, (url: string, name: string) => boolean][] = [
  ['GC', (url, name) => name === '(garbage collector)'],
  ['(program): V8/libuv outside JS', (url, name) => name === '(program)'],
  ['ssekit core', (url) => url.includes('/packages/core/')],
  ['ssekit node adapter', (url) => url.includes('/packages/node/')],
  ['ssekit other adapters', (url) => /\/packages\/(express|fastify|koa|web)\//.test(url)],
  ['demo / comparator code', (url) => url.includes('/examples/') || url.includes('/bench/')],
  [
    'node:cluster and child_process IPC (handles, messages)',
    (url) => /internal\/(cluster|child_process)/.test(url) || url === 'node:child_process',
  ],
  [
    'node:http request parsing and server (_http_server, _http_incoming)',
    (url) => url === 'node:_http_server' || url === 'node:_http_incoming' || url === 'node:_http_common',
  ],
  ['node:http (OutgoingMessage, ServerResponse)', (url) => url.startsWith('node:_http')],
  ['node:stream (Writable)', (url) => url.startsWith('node:internal/streams')],
  ['node: web streams (ReadableStream)', (url) => url.startsWith('node:internal/webstreams')],
  ['node:net / stream_base (socket write path)', (url) => url === 'node:net' || url.includes('stream_base_commons')],
  ['microtasks / nextTick queue', (url) => url.includes('internal/process/task_queues')],
  ['native bindings (writev, writeBuffer, ...)', (url, name) => url === '' && !name.startsWith('(')],
  ['framework / node_modules', (url) => url.includes('/node_modules/')],
];

function categoryOf(url: string, name: string): string {
  for (const [category, test] of CATEGORIES) if (test(url, name)) return category;
  return url.startsWith('node:') ? 'node: other' : 'other';
}

function shortUrl(url: string): string {
  const packages = url.indexOf('/packages/');
  if (packages >= 0) return url.slice(packages + 1);
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const bench = url.indexOf('/bench/');
  if (bench >= 0) return url.slice(bench + 1);
  return url;
}

function sorted(map: Map<string, number>): SelfTime[] {
  return [...map].map(([name, micros]) => ({ name, micros })).sort((a, b) => b.micros - a.micros);
}

/**
 * Self time per function and per category of the samples whose time falls in
 * `[startUs, endUs]` (monotonic µs, as `process.hrtime.bigint() / 1000n` reads it).
 * @param file - the `.cpuprofile`.
 */
export function profileWindow(file: string, startUs: number, endUs: number): WindowProfile {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  if (endUs < profile.startTime || startUs > profile.endTime) {
    throw new Error(`bench: the window is outside the profile ${file}; do V8 and process.hrtime share a clock here?`);
  }
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byCategory = new Map<string, number>();
  let busyMicros = 0;
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i] ?? 0;
    if (time < startUs || time > endUs) continue;
    // A sample stands for the time until the next one.
    const weight = profile.timeDeltas[i + 1] ?? 0;
    const frame = nodes.get(profile.samples[i]!)?.callFrame;
    if (frame === undefined || frame.functionName === '(idle)') continue;
    busyMicros += weight;
    const name = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}${frame.url === '' ? '' : `:${frame.lineNumber + 1}`}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + weight);
    const category = categoryOf(frame.url, frame.functionName);
    byCategory.set(category, (byCategory.get(category) ?? 0) + weight);
  }
  return { busyMicros, byCategory: sorted(byCategory), byFunction: sorted(byFunction) };
}
