// One case of the `topics` benchmark, in a process of its own (so one case's garbage never shows
// in another's RSS), started by bench/topics.ts with --expose-gc. It publishes one event on each
// of `topics` new topics through a hub on the memory store, and samples memory after a full
// collection at regular points. Prints one JSON line: a TopicsCaseResult.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type * as Core from '../packages/core/src/index.js';
import type { TopicsCase, TopicsCaseResult, TopicsSample } from './topics.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('bench: topics-worker needs --expose-gc');

async function sample(published: number): Promise<TopicsSample> {
  // Twice, with a turn between: the first pass runs finalizers that free more for the second.
  gc?.();
  await nextTurn();
  gc?.();
  const memory = process.memoryUsage();
  return { published, rss: memory.rss, heapUsed: memory.heapUsed };
}

/** Distinct text per event, so that no two events share a string. */
function payload(n: number, bytes: number): string {
  const head = `${n}:`;
  return head + 'x'.repeat(Math.max(0, bytes - head.length));
}

async function main(spec: TopicsCase): Promise<TopicsCaseResult> {
  const url = new URL('../packages/core/dist/index.js', import.meta.url);
  const core = (await import(url.href)) as typeof Core;
  // The store a hub makes by default, with this case's bounds, kept at hand to read its size.
  const store = new core.MemoryReplayStore({ maxTopics: spec.maxTopics, maxBytes: spec.maxBytes });
  const hub = core.createHub({ store, heartbeatMs: 0 });
  const samples = [await sample(0)];
  const every = Math.max(1, Math.floor(spec.topics / spec.samples));
  const started = performance.now();
  for (let n = 1; n <= spec.topics; n++) {
    await hub.publish(`run:${n}`, { event: 'token', data: payload(n, spec.eventBytes) });
    if (n % every === 0 || n === spec.topics || n === spec.warmup) samples.push(await sample(n));
  }
  const ms = performance.now() - started;
  const kept = store.size;
  await hub.close();
  return { samples, keptTopics: kept.topics, keptBytes: kept.bytes, ms };
}

const spec = JSON.parse(process.argv[2] ?? '') as TopicsCase;
process.stdout.write(`${JSON.stringify(await main(spec))}\n`);
