import { createHook } from 'node:async_hooks';
import { getEventListeners } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import type { SseStream } from '@ssekit/core';
import {
  RETRY,
  SseClient,
  activeResources,
  connectionsOf,
  describeEachAdapter,
  eventually,
  listenerCounts,
  request,
  testHub,
} from '@ssekit/testkit';
import { expect, it, onTestFinished } from 'vitest';

/** Connect, read the first bytes, abort: half on the hub stream, half on the hand-driven one. */
const CYCLES = 1000;
/** Requests whose client leaves while `authorize` is still pending. */
const EARLY_ABORTS = 200;
const CONCURRENCY = 50;

async function inBatches(total: number, run: (n: number) => Promise<void>): Promise<void> {
  for (let done = 0; done < total; done += CONCURRENCY) {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, total - done) }, (_, i) => run(done + i)));
  }
}

/**
 * The active handles once they stopped changing for 250 ms (at most 3 s): the test runner's
 * own short-lived timers come and go at the start of a test.
 */
async function stableResources(): Promise<Record<string, number>> {
  const deadline = Date.now() + 3000;
  let last = JSON.stringify(activeResources());
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = JSON.stringify(activeResources());
    if (now === last) break;
    last = now;
  }
  return activeResources();
}

/** Waits up to `timeoutMs` for `check`; the caller asserts afterwards, with a readable diff. */
async function settled(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

describeEachAdapter('cleanup', (adapter) => {
  it(`leaves no stream, listener, socket or timer behind after ${CYCLES} connect/abort cycles and ${EARLY_ABORTS} aborts during admission`, async () => {
    const kept: SseStream[] = [];
    const keep = (stream: SseStream): void => {
      if (kept.length < 50) kept.push(stream);
    };
    // A heartbeat short enough that the hub's shared timer runs during the cycles.
    const hub = testHub({ heartbeatMs: 50, hooks: { connect: keep } });
    let received = 0;
    const reached = new Set<string>();
    const gates = new Map<string, () => void>();
    const ticking = new Set<SseStream>();
    const server = await adapter.serve(
      hub,
      {
        // `?early` requests wait until their client has gone before the stream starts: the
        // disconnect then happens between the request and the first byte.
        authorize: (req, topics) =>
          new Promise((resolve) => {
            received++;
            const url = adapter.url(req);
            reached.add(url);
            if (url.includes('early')) gates.set(url, () => resolve(topics));
            else resolve(topics);
          }),
      },
      {
        ticks: {
          handler: (stream) => {
            keep(stream);
            ticking.add(stream);
            const timer = setInterval(() => stream.send({ data: 'tick' }), 20);
            stream.signal.addEventListener(
              'abort',
              () => {
                clearInterval(timer);
                ticking.delete(stream);
              },
              { once: true },
            );
          },
          options: { retry: 3000, heartbeatMs: 50 },
        },
      },
    );
    const seen: [IncomingMessage, ServerResponse][] = [];
    const gone = new Set<string>();
    server.http.on('request', (req: IncomingMessage, res: ServerResponse) => {
      seen.push([req, res]);
      res.once('close', () => gone.add(req.url ?? ''));
    });
    const cycle = async (n: number): Promise<void> => {
      const client = await SseClient.connect(`${server.url}/${n % 2 === 0 ? `events?topic=t${n % 7}` : 'ticks'}`);
      await client.waitFor((c) => c.raw.startsWith(RETRY), 5000, 'the retry line');
      client.close();
      await client.ended;
    };
    const idle = async (): Promise<boolean> =>
      hub.stats().connections === 0 && ticking.size === 0 && (await connectionsOf(server.http)) === 0;

    // One round first, so lazily created handles (the hand-driven streams' shared scheduler,
    // module-level state, the first socket) are part of the baseline.
    await inBatches(4, cycle);
    // What the framework itself leaves on a response that is no stream, for comparison.
    await request(`${server.url}/nowhere`);
    await eventually(idle, 'the warm-up to end', 10_000);
    const warmUp = seen.length;
    const own = (req: IncomingMessage, res: ServerResponse): number[] => [
      res.listenerCount('drain') + res.listenerCount('close') + res.listenerCount('error'),
      req.listenerCount('close'),
    ];
    const plain = own(...(seen.at(-1) as [IncomingMessage, ServerResponse]));
    const baseline = {
      resources: await stableResources(),
      server: listenerCounts(server.http),
      emitter: server.emitter === undefined ? {} : listenerCounts(server.emitter),
      process: listenerCounts(process),
    };
    // getActiveResourcesInfo() lists only ref'd timers, and the hub's heartbeat timer is unref'd:
    // every Timeout created from here on is tracked until it is cleared or has fired.
    const liveTimers = new Set<number>();
    const hook = createHook({
      init(asyncId, type) {
        if (type === 'Timeout') liveTimers.add(asyncId);
      },
      destroy(asyncId) {
        liveTimers.delete(asyncId);
      },
    }).enable();
    onTestFinished(() => {
      hook.disable();
    });

    let peak = 0;
    await inBatches(CYCLES, async (n) => {
      await cycle(n);
      peak = Math.max(peak, hub.stats().connections + ticking.size);
    });
    await inBatches(EARLY_ABORTS, async (n) => {
      const path = `/events?early=${n}`;
      const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
      await eventually(() => reached.has(path), 'the request to reach authorize');
      socket.destroy();
      await eventually(() => gone.has(path), 'the server to see the client go');
      gates.get(path)?.();
    });

    expect(received).toBe(4 / 2 + CYCLES / 2 + EARLY_ABORTS);
    expect(peak).toBeGreaterThan(0);
    await eventually(idle, 'every stream and connection to be gone', 10_000);
    expect(hub.stats()).toMatchObject({ connections: 0, topics: {}, queuedBytes: 0, evicted: 0 });
    expect(seen.length - warmUp).toBe(CYCLES + EARLY_ABORTS);
    // Sockets and timers are released asynchronously: wait for the counts to settle, then compare.
    await settled(() => JSON.stringify(activeResources()) === JSON.stringify(baseline.resources));
    expect(activeResources()).toEqual(baseline.resources);
    expect(listenerCounts(server.http)).toEqual(baseline.server);
    expect(server.emitter === undefined ? {} : listenerCounts(server.emitter)).toEqual(baseline.emitter);
    expect(listenerCounts(process)).toEqual(baseline.process);
    // Polled with setImmediate, which makes no Timeout of its own.
    for (const deadline = Date.now() + 5000; liveTimers.size > 0 && Date.now() < deadline;) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(liveTimers.size, 'timers created during the cycles and still pending').toBe(0);
    // What the adapter hangs on each request, response and stream signal is gone with the stream:
    // what is left is what the framework leaves on any response.
    const left = seen
      .slice(warmUp)
      .map(([req, res]) => [req.url, ...own(req, res)])
      .filter(([, onResponse, onRequest]) => onResponse !== plain[0] || onRequest !== plain[1]);
    expect(left).toEqual([]);
    expect(kept).toHaveLength(50);
    for (const stream of kept)
      expect([stream.closed, getEventListeners(stream.signal, 'abort').length]).toEqual([true, 0]);
  });
});
