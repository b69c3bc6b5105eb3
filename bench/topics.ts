// Topic retention in the memory store: how much memory a hub keeps after publishing to very many
// topics, with the store's bounds and without. Each case runs in a fresh process (see
// topics-worker.ts); bench/run.ts prints the rows.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One case, as the worker receives it. */
export interface TopicsCase {
  name: string;
  /** New topics, one event each. */
  topics: number;
  /** Characters per event. */
  eventBytes: number;
  /** The store's `maxTopics`; `undefined` for its default (10,000). */
  maxTopics?: number;
  /** The store's `maxBytes`; `undefined` for its default (64 MiB). */
  maxBytes?: number;
  /** The point after which memory should stay flat. */
  warmup: number;
  /** About how many samples to take. */
  samples: number;
}

/** Memory after a full collection, once `published` topics were published. */
export interface TopicsSample {
  published: number;
  rss: number;
  heapUsed: number;
}

/** What the worker reports. */
export interface TopicsCaseResult {
  samples: TopicsSample[];
  /** Topics and event text the store still held at the end. */
  keptTopics: number;
  keptBytes: number;
  /** Time spent publishing. */
  ms: number;
}

export interface TopicsRow extends TopicsCaseResult {
  spec: TopicsCase;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1024 * 1024;

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`bench: ${name} must be a positive integer`);
  return value;
}

/** The cases: `BENCH_TOPICS` (default 100,000) small topics, `BENCH_LARGE_TOPICS` (1,000) of 512 KiB. */
export function topicsCases(): TopicsCase[] {
  const topics = envInt('BENCH_TOPICS', 100_000);
  const large = envInt('BENCH_LARGE_TOPICS', 1000);
  // Warm-up: the first fifth of the run, twice the default maxTopics, by when both bounded stores are full.
  const small = { topics, eventBytes: 100, samples: 10, warmup: Math.ceil(topics / 5) };
  return [
    { ...small, name: 'maxTopics: 1000', maxTopics: 1000 },
    { ...small, name: 'default (maxTopics 10,000)' },
    {
      ...small,
      name: 'no bound (as before retention)',
      maxTopics: Number.MAX_SAFE_INTEGER,
      maxBytes: Number.MAX_SAFE_INTEGER,
    },
    {
      name: '512 KiB events, default byte budget (64 MiB)',
      topics: large,
      eventBytes: 512 * 1024,
      warmup: Math.min(large, 200),
      samples: 5,
    },
  ];
}

function runCase(spec: TopicsCase): Promise<TopicsCaseResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', path.join(ROOT, 'bench/topics-worker.ts'), JSON.stringify(spec)],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`bench: topics case "${spec.name}" exited ${code ?? '?'}`));
        return;
      }
      resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as TopicsCaseResult);
    });
  });
}

/** Runs every case, one after another (they compete for nothing then). */
export async function runTopicsBench(): Promise<TopicsRow[]> {
  const rows: TopicsRow[] = [];
  for (const spec of topicsCases()) rows.push({ spec, ...(await runCase(spec)) });
  return rows;
}

/** Memory at the start, right after warm-up and at the end, and the highest RSS after warm-up. */
export function warmAndEnd(row: TopicsRow): {
  start: TopicsSample;
  warm: TopicsSample;
  end: TopicsSample;
  peakRss: number;
} {
  const start = row.samples[0]!;
  const warm = row.samples.find((s) => s.published >= row.spec.warmup) ?? start;
  const end = row.samples.at(-1)!;
  const peakRss = Math.max(...row.samples.filter((s) => s.published >= row.spec.warmup).map((s) => s.rss));
  return { start, warm, end, peakRss };
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return (bytes / MiB).toFixed(1);
}
