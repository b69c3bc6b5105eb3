// The per-topic channels scenario (issue 16, item 1): 8 processes, each a hub on a Redis backend
// with one stream on each of 1/8 of 1,000 topics, and N events published over all topics by a
// hub of its own. What each process receives from Redis: bytes read on its subscriber connection
// and events. The old single-channel bus is gone from the package, so it is measured as it
// behaved: 8 raw ioredis connections subscribed to one channel, fed the same envelopes (same
// origin, topic, id and body lengths) with PUBLISH.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Core from '../packages/core/src/index.js';
import type * as RedisPackage from '../packages/redis/src/index.js';
import { startRedis } from '../packages/testkit/src/redis-server.js';
import { ROOT } from './fanout/servers.js';
import type { TopicsWorkerReport, TopicsWorkerSpec } from './redis-topics-worker.js';
import { markdownTable } from './table.js';

const PROCESSES = 8;
const TOPICS = 1000;
const BODY = `data: ${'x'.repeat(150)}\n\n`;
const IN_FLIGHT = 32;
/** How long the processes may take to receive everything, once it is all published. */
const DRAIN_MS = 60_000;

/** One mode's figures, per process. */
export interface RedisTopicsRow {
  mode: string;
  /** Channels each process listens to. */
  channels: number;
  /** Events each process received, per process. */
  messages: number[];
  /** Bytes each process read from Redis, per process. */
  bytes: number[];
  publishMs: number;
}

const topicOf = (k: number): string => `room-${(k * 7919) % TOPICS}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs both modes on one private Redis; `events` from BENCH_REDIS_TOPICS_EVENTS (default 40,000). */
export async function runRedisTopicsBench(env: NodeJS.ProcessEnv = process.env): Promise<RedisTopicsRow[]> {
  const events = Number(env.BENCH_REDIS_TOPICS_EVENTS ?? 40_000);
  if (!Number.isSafeInteger(events) || events < TOPICS) throw new Error('bench: BENCH_REDIS_TOPICS_EVENTS >= 1000');
  const redis = await startRedis();
  try {
    const perTopic = await perTopicMode(redis.url, events);
    const single = await singleChannelMode(redis.url, events);
    return [single, perTopic];
  } finally {
    await redis.stop();
  }
}

async function perTopicMode(url: string, events: number): Promise<RedisTopicsRow> {
  const core = (await import(new URL('../packages/core/dist/index.js', import.meta.url).href)) as typeof Core;
  const redisPackage = (await import(
    new URL('../packages/redis/dist/index.js', import.meta.url).href
  )) as typeof RedisPackage;
  const prefix = 'bench:';
  const workers: ChildProcess[] = [];
  const reports = new Map<number, TopicsWorkerReport>();
  const publisher = redisPackage.createRedisBackend({ url, prefix });
  const hub = core.createHub({ store: publisher.store, bus: publisher.bus, heartbeatMs: 0 });
  try {
    const ready = Array.from({ length: PROCESSES }, (_, index) => {
      const spec: TopicsWorkerSpec = { url, prefix, index, processes: PROCESSES, topics: TOPICS };
      const worker = fork(path.join(ROOT, 'bench/redis-topics-worker.ts'), [JSON.stringify(spec)], {
        cwd: ROOT,
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      workers.push(worker);
      worker.on('message', (message: { type: string }) => {
        if (message.type === 'report') reports.set(index, message as TopicsWorkerReport);
      });
      return new Promise<void>((resolve, reject) => {
        worker.on('message', (message: { type: string }) => {
          if (message.type === 'ready') resolve();
        });
        worker.once('exit', (code) => reject(new Error(`bench: redis-topics worker ${index} exited ${code ?? '?'}`)));
      });
    });
    await Promise.all(ready);
    await publisher.ready;
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < events) {
          const k = next++;
          await hub.publish(topicOf(k), { data: BODY.slice(6, -2) });
        }
      }),
    );
    const publishMs = performance.now() - started;
    const deadline = Date.now() + DRAIN_MS;
    let received = 0;
    while (received < events && Date.now() < deadline) {
      reports.clear();
      for (const worker of workers) worker.send({ type: 'report' });
      while (reports.size < PROCESSES && Date.now() < deadline) await sleep(20);
      received = [...reports.values()].reduce((sum, report) => sum + report.delivered, 0);
      if (received < events) await sleep(100);
    }
    const rows = [...reports.values()].sort((a, b) => a.index - b.index);
    return {
      mode: 'a channel per topic (ssekit now)',
      channels: Math.max(...rows.map((row) => row.watched)),
      messages: rows.map((row) => row.delivered),
      bytes: rows.map((row) => row.bytes),
      publishMs,
    };
  } finally {
    for (const worker of workers) if (worker.connected) worker.send({ type: 'stop' });
    await Promise.all(workers.map((worker) => waitExit(worker)));
    await hub.close();
    await publisher.close();
  }
}

async function singleChannelMode(url: string, events: number): Promise<RedisTopicsRow> {
  const redisPackage = (await import(
    new URL('../packages/redis/dist/index.js', import.meta.url).href
  )) as typeof RedisPackage;
  const { Redis } = createRequire(path.join(ROOT, 'packages/redis/package.json'))(
    'ioredis',
  ) as typeof import('../packages/redis/node_modules/ioredis/built/index.js');
  const channel = 'bench:bus';
  const subscribers = Array.from({ length: PROCESSES }, () => new Redis(url));
  const publisher = new Redis(url);
  try {
    const counts = subscribers.map(() => 0);
    subscribers.forEach((subscriber, i) => subscriber.on('messageBuffer', () => counts[i]!++));
    await Promise.all(subscribers.map((subscriber) => subscriber.subscribe(channel)));
    const socket = (redis: unknown): number => (redis as { stream: { bytesRead: number } }).stream.bytesRead;
    const before = subscribers.map(socket);
    // The envelope the old bus carried: an 18-character hub id, the topic, a 16-digit id, the body.
    const origin = 'o'.repeat(18);
    const base = Date.now() * 1000;
    const started = performance.now();
    for (let sent = 0; sent < events;) {
      const pipeline = publisher.pipeline();
      for (let j = 0; j < 500 && sent < events; j++, sent++) {
        const envelope = { origin, topic: topicOf(sent), id: String(base + sent), body: BODY };
        pipeline.publish(channel, redisPackage.encodeEnvelope(envelope));
      }
      await pipeline.exec();
    }
    const publishMs = performance.now() - started;
    const deadline = Date.now() + DRAIN_MS;
    while (counts.some((count) => count < events) && Date.now() < deadline) await sleep(20);
    return {
      mode: 'one channel (before; raw ioredis subscribers)',
      channels: 1,
      messages: counts,
      bytes: subscribers.map((subscriber, i) => socket(subscriber) - before[i]!),
      publishMs,
    };
  } finally {
    for (const client of [...subscribers, publisher]) client.disconnect();
  }
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Prints the rows as a table, per process on average (and the spread). */
export function printRedisTopics(rows: readonly RedisTopicsRow[], events: number): void {
  const avg = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const mib = (n: number): string => (n / 1024 / 1024).toFixed(2);
  console.log(
    markdownTable(
      ['mode', 'channels / process', 'events / process', 'MiB / process (min-max)', 'bytes / event', 'publish'],
      rows.map((row) => [
        row.mode,
        row.channels.toLocaleString('en-US'),
        avg(row.messages).toLocaleString('en-US', { maximumFractionDigits: 0 }),
        `${mib(avg(row.bytes))} (${mib(Math.min(...row.bytes))}-${mib(Math.max(...row.bytes))})`,
        (avg(row.bytes) / Math.max(1, avg(row.messages))).toFixed(0),
        `${(row.publishMs / 1000).toFixed(2)} s`,
      ]),
      [false, true, true, true, true, true],
    ),
  );
  const [single, perTopic] = rows;
  if (single !== undefined && perTopic !== undefined) {
    console.log(
      `\n${PROCESSES} processes, ${TOPICS} topics, ${events.toLocaleString('en-US')} events of ${BODY.length} B bodies ` +
        `spread evenly. Per process, per-topic channels receive ${(avg(single.bytes) / avg(perTopic.bytes)).toFixed(1)}x ` +
        'fewer bytes than one channel. "publish": the hub publishes (append + PUBLISH script, 32 in flight) against ' +
        'plain pipelined PUBLISHes for the raw mode, so not comparable.',
    );
  }
}
