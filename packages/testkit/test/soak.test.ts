import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, publish, request, startDemo, stats } from '@ssekit/testkit';
import type { RunningDemo } from '@ssekit/testkit';

/**
 * The leak and dead-peer soak, against examples/node-http started with `--expose-gc` and its
 * demo-only debug route: 10,000 connect/abort cycles of every kind, then 1,000 stalled readers,
 * all bounded in count and time. Afterwards the heap is back within 10% of where it stood after
 * warm-up, no timer, socket or listener is left beyond that baseline, every stalled reader was
 * evicted, and the server's RSS stayed under a bound all along.
 */

const CYCLES = 10_000;
const WARM_UP_CYCLES = 1_000;
const CONCURRENCY = 50;
/** Stalled readers at once. Each pins about 4 MiB of kernel socket buffers on loopback before
 * its writes block, so 1,000 at once would take 4 GiB of kernel memory from the whole machine;
 * they come in rounds instead. */
const STALL_ROUND = 50;
const STALL_ROUNDS = 20;
const BIG_EVENT = 'x'.repeat(512 * 1024);
const CYCLE_TOPICS = Array.from({ length: 8 }, (_, n) => `soak-${n}`);
const STALL_TOPIC = 'soak-stall';
const RETRY_MS = 1000;

const ENV = {
  NODE_OPTIONS: '--expose-gc',
  SSEKIT_DEBUG_ROUTES: '1',
  RETRY_MS: String(RETRY_MS),
  HEARTBEAT_MS: '500',
  TICK_MS: '20',
  // History stays small and reaches its steady size during warm-up.
  REPLAY_SIZE: '4',
  // Dead peers are found within a second, slow ones once 64 KiB wait for them.
  WRITE_TIMEOUT_MS: '1000',
  MAX_BUFFERED_BYTES: String(64 * 1024),
};

/**
 * How far the server's RSS may rise above its post-warm-up value at any moment, and why:
 * - blocked streams: at most 50 at once, each holding its 64 KiB budget plus a coalesced
 *   copy of up to 64 KiB, with 512 KiB events shared between them: under 10 MiB;
 * - the connect/abort phase: at most 50 connections in flight (socket, parser, stream,
 *   subscription: well under 100 KiB each): under 5 MiB;
 * - history: 4 events of 512 KiB per topic, already held after warm-up;
 * - garbage between collections: V8 lets the young generation and old space grow before it
 *   collects (tens of MiB under this allocation rate).
 * A leak of 16 KiB per cycle (160 MiB over 10,000) or of one budget per stalled reader
 * (64 MiB over 1,000, on top of the rest) shows above 128 MiB.
 */
const RSS_BOUND_BYTES = 128 * 1024 * 1024;

interface HeapReport {
  pid: number;
  collected: boolean;
  memory: NodeJS.MemoryUsage;
  resources: Record<string, number>;
  listeners: { server: Record<string, number>; process: Record<string, number> };
  connections: number;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb) * 1024;
}

/**
 * One raw connection: sends `bytes`, waits until the answer holds `until` (or sends nothing
 * more when `until` is undefined), then aborts.
 */
function cycle(port: number, bytes: string, until: string | undefined, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`cycle waiting for ${JSON.stringify(until)} timed out; got ${JSON.stringify(received)}`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      if (until === undefined || received.includes(until)) resolve();
      else reject(new Error(`connection closed before ${JSON.stringify(until)}; got ${JSON.stringify(received)}`));
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (until !== undefined && received.includes(until)) done();
    });
    socket.write(bytes, () => {
      if (until === undefined) done();
    });
  });
}

const get = (target: string, headers = ''): string =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n${headers}\r\n`;
const RETRY_LINE = `retry: ${RETRY_MS}\n`;

/** Runs `count` cycles, `CONCURRENCY` at a time, cycling through every kind of connection. */
async function cycles(port: number, count: number, lastIds: Map<string, string>): Promise<void> {
  let next = 0;
  const kinds: ((n: number) => Promise<void>)[] = [
    (n) => cycle(port, get(`/events?topic=${CYCLE_TOPICS[n % 8] ?? ''}`), RETRY_LINE),
    (n) => {
      const topic = CYCLE_TOPICS[n % 8] ?? '';
      const id = lastIds.get(topic);
      return cycle(port, get(`/events?topic=${topic}`, id === undefined ? '' : `Last-Event-ID: ${id}\r\n`), RETRY_LINE);
    },
    () => cycle(port, get('/ticks'), 'data: tick'),
    (n) => cycle(port, get(`/events?topic=${CYCLE_TOPICS[n % 8] ?? ''}&topic=${STALL_TOPIC}`), undefined),
    () => cycle(port, 'GET /events?topic=so', undefined),
    () => cycle(port, get(`/events?${CYCLE_TOPICS.map((topic) => `topic=${topic}`).join('&')}`), RETRY_LINE),
    // Unknown to the store: the stream says so with the reset event, then is aborted.
    () => cycle(port, get('/events?topic=soak-0', 'Last-Event-ID: 42\r\n'), 'event: ssekit-reset'),
  ];
  const worker = async (): Promise<void> => {
    while (next < count) {
      const n = next++;
      await (kinds[n % kinds.length] as (n: number) => Promise<void>)(n);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** Publishes small events on the cycle topics until `stop()`; keeps the last id per topic. */
function publisher(url: string): { lastIds: Map<string, string>; stop: () => Promise<void> } {
  const lastIds = new Map<string, string>();
  const state = { running: true };
  const loop = (async () => {
    for (let n = 0; state.running && n < 100_000; n++) {
      const topic = CYCLE_TOPICS[n % 8] ?? '';
      const answer = await publish(url, { topic, event: 'soak', data: { n } });
      expect(answer.status).toBe(202);
      lastIds.set(topic, (answer.json as { id: string }).id);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    lastIds,
    stop: async () => {
      state.running = false;
      await loop;
    },
  };
}

/** Opens stalled readers (they send a request and never read), makes them block, checks each was evicted. */
async function stallRound(url: string, port: number): Promise<{ evicted: number; publishes: number }> {
  const before = await stats(url);
  const sockets = await Promise.all(
    Array.from(
      { length: STALL_ROUND },
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect(port, '127.0.0.1', () => {
            // Never reads a byte: the kernel buffers fill, then the server's writes block.
            socket.pause();
            socket.write(get(`/events?topic=${STALL_TOPIC}`), () => resolve(socket));
          });
          socket.once('error', reject);
        }),
    ),
  );
  try {
    const topicCount = async (): Promise<number> =>
      ((await stats(url)).topics as unknown as Record<string, number> | undefined)?.[STALL_TOPIC] ?? 0;
    await eventually(async () => (await topicCount()) === STALL_ROUND, 'every stalled reader subscribed', 10_000);
    let publishes = 0;
    // Bounded: each reader takes about 4 MiB before it blocks, 9 events of 512 KiB.
    while ((await topicCount()) > 0 && publishes < 40) {
      const answer = await publish(url, { topic: STALL_TOPIC, data: BIG_EVENT });
      expect(answer.status).toBe(202);
      publishes++;
    }
    // Any reader blocked by the last event alone goes by the write deadline.
    await eventually(async () => (await topicCount()) === 0, 'every stalled reader evicted', 10_000);
    const after = await stats(url);
    return { evicted: (after.evicted ?? 0) - (before.evicted ?? 0), publishes };
  } finally {
    // Unread data makes the close a reset, which frees the kernel buffers at once.
    for (const socket of sockets) socket.destroy();
  }
}

describe('soak: examples/node-http', () => {
  let demo: RunningDemo;
  let pid: number;
  let rssMax = 0;
  let rssSampler: ReturnType<typeof setInterval> | undefined;

  const heap = async (): Promise<HeapReport> => {
    const answer = await request(`${demo.url}/debug/heap`);
    expect(answer.status).toBe(200);
    return answer.json as HeapReport;
  };

  beforeAll(async () => {
    demo = await startDemo('node-http', ENV);
  });

  afterAll(async () => {
    if (rssSampler !== undefined) clearInterval(rssSampler);
    await demo.stop();
  });

  it(
    'returns to its heap, timers and listeners after 10,000 connect/abort cycles and 1,000 evicted stalled readers',
    { timeout: 300_000 },
    async () => {
      const { port, url } = demo;
      // Warm-up: every code path runs (and is compiled) and history reaches its steady size.
      const warm = publisher(url);
      await cycles(port, WARM_UP_CYCLES, warm.lastIds);
      await warm.stop();
      const warmStall = await stallRound(url, port);
      expect(warmStall.evicted).toBe(STALL_ROUND);
      await eventually(async () => (await stats(url)).connections === 0, 'no stream left after warm-up', 10_000);

      const start = await heap();
      expect(start.collected).toBe(true);
      pid = start.pid;
      const rssStart = rssOf(pid);
      rssMax = rssStart;
      rssSampler = setInterval(() => {
        rssMax = Math.max(rssMax, rssOf(pid));
      }, 100);
      const startedAt = Date.now();

      const traffic = publisher(url);
      await cycles(port, CYCLES, traffic.lastIds);
      await traffic.stop();
      const cyclesDone = Date.now();

      let evicted = 0;
      for (let round = 0; round < STALL_ROUNDS; round++) {
        const result = await stallRound(url, port);
        expect(result.evicted, `round ${round}`).toBe(STALL_ROUND);
        evicted += result.evicted;
      }
      expect(evicted).toBe(STALL_ROUND * STALL_ROUNDS);

      await eventually(async () => (await stats(url)).connections === 0, 'every stream gone', 10_000);
      clearInterval(rssSampler);
      rssSampler = undefined;
      rssMax = Math.max(rssMax, rssOf(pid));
      // Sockets of the last aborted requests may still be closing in the server.
      await eventually(async () => (await heap()).connections === start.connections, 'server connections', 10_000);
      const end = await heap();

      const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
      console.info(
        `soak: ${CYCLES} cycles in ${cyclesDone - startedAt} ms, ${evicted} stalled readers evicted in ${
          Date.now() - cyclesDone
        } ms; heap ${mib(start.memory.heapUsed)} -> ${mib(end.memory.heapUsed)}; RSS ${mib(rssStart)}, at most ${mib(
          rssMax,
        )}`,
      );
      expect(end.memory.heapUsed).toBeLessThanOrEqual(start.memory.heapUsed * 1.1);
      expect(end.resources).toEqual(start.resources);
      expect(end.listeners).toEqual(start.listeners);
      expect(rssMax - rssStart).toBeLessThanOrEqual(RSS_BOUND_BYTES);
      const final = await stats(url);
      expect(final.connections).toBe(0);
      expect(demo.child.exitCode).toBe(null);
    },
  );
});
