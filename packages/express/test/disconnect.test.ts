import http from 'node:http';
import type { Socket } from 'node:net';
import type { SseStream } from '@ssekit/core';
import type { Response } from 'express';
import { describe, expect, it } from 'vitest';
import { sse } from '../src/index.js';
import { EXPRESS_VERSIONS, RETRY, SseClient, connect, eventually, serve, testHub } from './support.js';

const CYCLES = 1000;
const BATCH = 50;

/** How many of each kind of handle keep the event loop busy (timers, sockets, servers). */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/** Listener counts per event name of an emitter. */
function listeners(emitter: NodeJS.EventEmitter): Record<string, number> {
  return Object.fromEntries(emitter.eventNames().map((name) => [String(name), emitter.listenerCount(name)]));
}

describe.each(EXPRESS_VERSIONS)('%s', (_name, express) => {
  it('ends a hub stream when its client aborts, and unregisters it at once', async () => {
    const hub = testHub();
    const app = express();
    const responses: Response[] = [];
    app.get(
      '/events',
      (_req, res, next) => {
        responses.push(res);
        next();
      },
      sse({ hub }),
    );
    const { url } = await serve(app);

    const client = await connect(`${url}/events?topic=gone`);
    expect(hub.stats().connections).toBe(1);
    client.close();
    await eventually(() => hub.stats().connections === 0, 'the stream to unregister');

    expect(responses[0]?.sse?.signal.reason).toBe('client');
    expect(hub.stats().topics).toEqual({});
    expect((await hub.publish('gone', { data: 'nobody' })).delivered).toBe(0);
  });

  it('ends a hand-driven stream when its client aborts, and its ticker with it', async () => {
    const app = express();
    const streams: SseStream[] = [];
    app.get(
      '/ticks',
      sse((stream) => {
        streams.push(stream);
        const timer = setInterval(() => stream.send({ data: 'tick' }), 5);
        stream.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
      }),
    );
    const { url } = await serve(app);
    const before = activeResources().Timeout ?? 0;

    const client = await connect(`${url}/ticks`, {}, '');
    await client.waitForEvents(2);
    client.close();
    await eventually(() => streams[0]?.closed === true, 'the stream to end');

    expect(streams[0]?.signal.reason).toBe('client');
    await eventually(() => (activeResources().Timeout ?? 0) <= before, 'the ticker and heartbeat timers to stop');
  });

  it('never leaves a stream registered when the client leaves while authorize is pending', async () => {
    const hub = testHub();
    const app = express();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let asked = false;
    const responses: Response[] = [];
    app.get(
      '/events',
      (_req, res, next) => {
        responses.push(res);
        next();
      },
      sse({
        hub,
        authorize: async (_req, topics) => {
          asked = true;
          await gate;
          return topics;
        },
      }),
    );
    const { url } = await serve(app);

    // No headers come while authorize waits, so a bare request stands in for the client.
    const request = http.get(`${url}/events`, { agent: false });
    request.on('error', () => undefined);
    await eventually(() => asked, 'authorize to be called');
    request.destroy();
    await eventually(() => responses[0]?.destroyed === true, 'the response to close');
    release();
    await eventually(() => responses[0]?.sse?.closed === true, 'the late stream to end');

    // Its first write (the retry hint) found the socket gone: reason 'error' or 'client'.
    expect(responses[0]?.sse?.signal.aborted).toBe(true);
    expect(hub.stats()).toMatchObject({ connections: 0, topics: {} });
  });

  it('reuses a keep-alive socket for stream after stream without piling listeners on it', async () => {
    const hub = testHub();
    const app = express();
    app.get(
      '/once',
      sse(
        (stream) => {
          stream.send({ data: 'one' });
          void stream.close();
        },
        { heartbeatMs: 0 },
      ),
    );
    app.get(
      '/events',
      (_req, res, next) => {
        // Ends the hub stream from the server side once it has started.
        setImmediate(() => void res.sse?.close());
        next();
      },
      sse({ hub }),
    );
    const { url, server } = await serve(app);
    const sockets: Socket[] = [];
    server.on('connection', (socket: Socket) => sockets.push(socket));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

    const seen: string[] = [];
    const counts: Record<string, number>[] = [];
    for (let i = 0; i < 20; i++) {
      seen.push(await readAll(`${url}/${i % 2 === 0 ? 'once' : 'events'}`, agent));
      await eventually(() => sockets[0] !== undefined && hub.stats().connections === 0, 'the stream to end');
      // The server may still be finishing its side of the response: count once it is quiet.
      counts.push(await quietListeners(sockets[0] as Socket));
    }
    agent.destroy();

    expect(sockets).toHaveLength(1);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'data: one\n\n' : RETRY)));
    for (const count of counts) expect(count).toEqual(counts[0]);
  });

  it(`leaves no stream, listener, timer or socket behind after ${CYCLES} connect/abort cycles`, async () => {
    // A heartbeat short enough that its shared timer runs during the cycles.
    const hub = testHub({ heartbeatMs: 50 });
    const app = express();
    const tickStreams = new Set<SseStream>();
    app.get('/events', sse({ hub }));
    app.get(
      '/ticks',
      sse(
        (stream) => {
          tickStreams.add(stream);
          const timer = setInterval(() => stream.send({ data: 'tick' }), 20);
          stream.signal.addEventListener(
            'abort',
            () => {
              clearInterval(timer);
              tickStreams.delete(stream);
            },
            { once: true },
          );
        },
        { retry: 2000 },
      ),
    );
    const { url, server } = await serve(app);
    // One round first, so lazily created handles (the hand-driven streams' shared scheduler,
    // module-level state) are part of the baseline, then let it settle.
    await cycle(url, 2);
    await eventually(() => hub.stats().connections === 0 && tickStreams.size === 0, 'the warm-up to end');
    await eventually(() => (activeResources().TCPSocketWrap ?? 0) === 0, 'the warm-up sockets to close');
    const baseline = {
      resources: await stableResources(),
      server: listeners(server),
      process: listeners(process),
    };

    let peak = 0;
    for (let done = 0; done < CYCLES; done += BATCH) {
      peak = Math.max(peak, await cycle(url, BATCH, () => hub.stats().connections + tickStreams.size));
    }

    expect(peak).toBeGreaterThan(0);
    await eventually(() => hub.stats().connections === 0 && tickStreams.size === 0, 'every stream to end');
    expect(hub.stats()).toMatchObject({ connections: 0, topics: {}, queuedBytes: 0 });
    const connections = await new Promise<number>((resolve, reject) => {
      server.getConnections((err, count) => (err ? reject(err) : resolve(count)));
    });
    expect(connections).toBe(0);
    // Closed sockets and finished timers leave the list within a few turns; wait, then compare.
    await settled(() => JSON.stringify(activeResources()) === JSON.stringify(baseline.resources));
    expect(activeResources()).toEqual(baseline.resources);
    expect(listeners(server)).toEqual(baseline.server);
    expect(listeners(process)).toEqual(baseline.process);
  });
});

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

/** The listener counts of `emitter` once two looks 20 ms apart agree (at most 2 s). */
async function quietListeners(emitter: NodeJS.EventEmitter): Promise<Record<string, number>> {
  const deadline = Date.now() + 2000;
  let last = JSON.stringify(listeners(emitter));
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = JSON.stringify(listeners(emitter));
    if (now === last) break;
    last = now;
  }
  return listeners(emitter);
}

/** GETs `url` through `agent` and resolves to the whole body once the response ended. */
function readAll(url: string, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}

/** Waits up to `timeoutMs` for `check`; the caller asserts afterwards, with a readable diff. */
async function settled(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * Opens `count` streams at once, half on /events and half on /ticks, waits until each has
 * its first bytes, then aborts them all. Resolves to `open()` sampled while all were open.
 */
async function cycle(url: string, count: number, open: () => number = () => 0): Promise<number> {
  const clients = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const client = await SseClient.connect(i % 2 === 0 ? `${url}/events?topic=t${i % 7}` : `${url}/ticks`);
      await client.waitFor((c) => c.raw.startsWith(RETRY), 5000, 'the retry line');
      return client;
    }),
  );
  const sampled = open();
  for (const client of clients) client.close();
  await Promise.all(clients.map((client) => client.ended));
  return sampled;
}
