import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { SseStream } from '@ssekit/core';
import { SseClient, eventually, wireFrame } from '@ssekit/testkit';
import { describe, expect, it } from 'vitest';
import { sse } from '../src/index.js';
import { KOA_VERSIONS, RETRY, activeResources, connectionsOf, useHarness } from './support.js';

const CYCLES = 1000;
const PARALLEL = 25;

function listenerCounts(emitter: NodeJS.EventEmitter): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of emitter.eventNames()) counts[String(name)] = emitter.listenerCount(name);
  return counts;
}

describe.each(KOA_VERSIONS)('$name: disconnects, slow clients and shutdown', ({ Koa }) => {
  const harness = useHarness();

  it('ends and unregisters a stream as soon as its client aborts', async () => {
    const hub = harness.hub();
    const app = new Koa();
    const streams: SseStream[] = [];
    app.use(async (ctx, next) => {
      await next();
      if (ctx.sse !== undefined) streams.push(ctx.sse);
    });
    app.use(sse({ hub, path: '/events' }));
    app.use(sse(() => undefined, { path: '/ticks', retry: 1000 }));
    const { url } = await harness.serve(app);
    const clients = await Promise.all([harness.connect(`${url}/events`), harness.connect(`${url}/ticks`)]);
    for (const client of clients) await client.waitFor((c) => c.raw === RETRY);
    expect(hub.stats().connections).toBe(1);
    for (const client of clients) client.close();
    await eventually(() => streams.every((stream) => stream.closed), 'both streams ended');
    expect(streams.map((stream) => stream.signal.reason as unknown)).toEqual(['client', 'client']);
    expect(hub.stats().connections).toBe(0);
    const after = await hub.publish('default', { data: 'nobody' });
    expect(after.delivered).toBe(0);
  });

  it('unregisters a stream whose client resets the connection; Koa reports the reset as headerSent', async () => {
    const hub = harness.hub();
    const app = new Koa();
    const errors: (Error & { code?: string; headerSent?: boolean })[] = [];
    app.on('error', (err: Error) => errors.push(err));
    app.use(sse({ hub, path: '/events' }));
    const { url } = await harness.serve(app);
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${url}/events`, { agent: false }, (res) => {
        res.once('data', () => {
          // An RST instead of a FIN, as a client killed mid-stream sends.
          (req.socket as Socket).resetAndDestroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      setTimeout(() => reject(new Error('no first bytes')), 5000).unref();
    });
    await eventually(() => hub.stats().connections === 0 && errors.length === 1, 'the stream gone, the reset reported');
    expect([errors[0]?.code, errors[0]?.headerSent]).toEqual(['ECONNRESET', true]);
  });

  it(`leaves no listener or timer behind after ${CYCLES} connect/abort cycles`, async () => {
    const hub = harness.hub({ heartbeatMs: 50 });
    const app = new Koa();
    const seen: [IncomingMessage, ServerResponse][] = [];
    const ticking = new Set<SseStream>();
    app.use(async (ctx, next) => {
      seen.push([ctx.req, ctx.res]);
      await next();
    });
    app.use(sse({ hub, path: '/events' }));
    app.use(
      sse(
        (stream) => {
          ticking.add(stream);
          const timer = setInterval(() => stream.send({ data: 'tick' }), 1000);
          stream.signal.addEventListener(
            'abort',
            () => {
              clearInterval(timer);
              ticking.delete(stream);
            },
            { once: true },
          );
        },
        { path: '/ticks', retry: 1000, heartbeatMs: 50 },
      ),
    );
    const { url, server } = await harness.serve(app);
    const cycle = async (n: number): Promise<void> => {
      const client = await SseClient.connect(`${url}/${n % 2 === 0 ? 'events' : 'ticks'}`);
      await client.waitFor((c) => c.raw.startsWith(RETRY));
      client.close();
      await client.ended;
    };
    const settled = async (): Promise<boolean> =>
      hub.stats().connections === 0 && ticking.size === 0 && (await connectionsOf(server)) === 0;

    // Warm up (lazy module state, the first socket), then take the baseline.
    await Promise.all([cycle(0), cycle(1)]);
    await eventually(settled, 'the warm-up streams gone');
    const resources = activeResources();
    const serverListeners = listenerCounts(server);
    const appListeners = listenerCounts(app);
    const processListeners = listenerCounts(process);
    const warmUp = seen.length;

    for (let start = 0; start < CYCLES; start += PARALLEL) {
      await Promise.all(Array.from({ length: PARALLEL }, (_, i) => cycle(start + i)));
    }

    await eventually(settled, 'every stream and connection gone', 10_000);
    // No more of any kind than before (the test runner's own timers may come and go).
    const noMoreThanBefore = (): boolean =>
      Object.entries(activeResources()).every(([kind, count]) => count <= (resources[kind] ?? 0));
    await eventually(
      noMoreThanBefore,
      `active resources back to ${JSON.stringify(resources)} (now ${JSON.stringify(activeResources())})`,
      10_000,
    );
    expect(seen.length - warmUp).toBe(CYCLES);
    expect(hub.stats()).toMatchObject({ connections: 0, topics: {}, queuedBytes: 0, evicted: 0 });
    expect(listenerCounts(server)).toEqual(serverListeners);
    expect(listenerCounts(app)).toEqual(appListeners);
    expect(listenerCounts(process)).toEqual(processListeners);
    // What the adapter and Koa hang on each request and response is gone with the stream.
    const left = seen
      .slice(warmUp)
      .filter(
        ([req, res]) =>
          res.listenerCount('drain') +
            res.listenerCount('close') +
            res.listenerCount('error') +
            req.listenerCount('close') >
          0,
      );
    expect(left).toEqual([]);
  });

  it('holds a client that stops reading to its budget and evicts it, while another keeps up', async () => {
    const budget = 256 * 1024;
    const hub = harness.hub({ maxBufferedBytes: budget });
    const app = new Koa();
    app.use(sse({ hub, path: '/events' }));
    const { url } = await harness.serve(app);
    const stalled = await harness.connect(`${url}/events?topic=big`);
    const reader = await harness.connect(`${url}/events?topic=big`);
    await stalled.waitFor((c) => c.raw === RETRY);
    await reader.waitFor((c) => c.raw === RETRY);
    stalled.pause();
    const chunk = 'z'.repeat(64 * 1024);
    const ids: string[] = [];
    let maxQueued = 0;
    // At most 64 MiB; loopback buffers fill long before.
    while (hub.stats().evicted === 0 && ids.length < 1024) {
      ids.push((await hub.publish('big', { data: `${ids.length} ${chunk}` })).id);
      maxQueued = Math.max(maxQueued, hub.stats().queuedBytes);
      await reader.waitForEvents(ids.length, 10_000);
    }
    expect(hub.stats().evicted).toBe(1);
    expect(maxQueued).toBeLessThanOrEqual(2 * budget);
    expect(reader.events.map((event) => event.id)).toEqual(ids);
    stalled.resume();
    await stalled.ended;
    expect(stalled.events.length).toBeLessThan(ids.length);
    expect(hub.stats().connections).toBe(1);
  });

  it('ends hub streams with a complete response on hub.close()', async () => {
    const hub = harness.hub();
    const app = new Koa();
    app.use(sse({ hub, path: '/events' }));
    const { url } = await harness.serve(app);
    const client = await harness.connect(`${url}/events`);
    await client.waitFor((c) => c.raw === RETRY);
    const sent = await hub.publish('default', { data: 'last' });
    await hub.close({ event: { event: 'bye', data: '' } });
    await client.ended;
    expect(client.completed).toBe(true);
    expect(client.raw).toBe(`${RETRY}${wireFrame(sent.id, 'last')}event: bye\ndata: \n\n`);
  });
});
