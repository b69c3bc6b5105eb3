import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { ServerResponse } from 'node:http';
import { createHub } from '@ssekit/core';
import type { Hub, SseStream } from '@ssekit/core';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { SseClient } from '../../testkit/src/sse-client.js';
import { ssekit } from '../src/index.js';
import { listen, until } from './helpers.js';

let app: FastifyInstance | undefined;
let hub: Hub | undefined;

afterEach(async () => {
  await hub?.close();
  await app?.close();
  app = undefined;
  hub = undefined;
});

interface Server {
  base: string;
  /** Every stream opened, with its raw response. */
  opened: { stream: SseStream<object>; res: ServerResponse }[];
  /** Hand-driven streams still running. */
  ticking: Set<SseStream<object>>;
  /** Tick timers still set. */
  timers: Set<NodeJS.Timeout>;
}

/** One route of each kind; the hub's heartbeat timer runs while any stream is open. */
async function start(): Promise<Server> {
  hub = createHub({ retry: 3000, heartbeatMs: 1000 });
  app = Fastify();
  await app.register(ssekit, { hub });
  const opened: Server['opened'] = [];
  const ticking = new Set<SseStream<object>>();
  const timers = new Set<NodeJS.Timeout>();
  const keep = (stream: SseStream<object>, res: ServerResponse): void => {
    if (opened.length < 50) opened.push({ stream, res });
  };
  app.get(
    '/events',
    // An asynchronous check, so some clients leave while it runs.
    { sse: { authorize: async (_request, topics) => Promise.resolve(topics) } },
    async (_request, reply) => keep(await reply.sse(), reply.raw),
  );
  app.get('/manual', async (_request, reply) => {
    keep(await reply.sse({ topics: ['manual'] }), reply.raw);
  });
  app.get('/ticks', (_request, reply) =>
    reply.sse(
      (stream) => {
        keep(stream, reply.raw);
        ticking.add(stream);
        const timer = setInterval(() => stream.send({ data: 'tick' }), 50);
        timers.add(timer);
        stream.signal.addEventListener(
          'abort',
          () => {
            clearInterval(timer);
            timers.delete(timer);
            ticking.delete(stream);
          },
          { once: true },
        );
      },
      { retry: 3000, heartbeatMs: 1000 },
    ),
  );
  return { base: await listen(app), opened, ticking, timers };
}

/** Connects and aborts: after the first bytes, or as soon as the request is sent. */
function cycle(url: string, early: boolean): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      res.once('data', () => req.destroy());
    });
    req.on('close', () => resolve());
    req.on('error', () => undefined);
    if (early) req.once('finish', () => req.destroy());
  });
}

function resources(): string[] {
  return process.getActiveResourcesInfo().sort();
}

describe('client disconnects', () => {
  it('end the stream with reason "client" and unregister it, on every kind of route', async () => {
    const server = await start();
    for (const path of ['/events', '/manual', '/ticks']) {
      const client = await SseClient.connect(`${server.base}${path}`);
      await client.waitFor((c) => c.retries.length === 1);
      const { stream } = server.opened.at(-1)!;
      expect(stream.closed).toBe(false);
      client.close();
      await until(() => stream.closed, `${path} to end`);
      expect([path, stream.signal.reason]).toEqual([path, 'client']);
    }
    expect(hub!.stats().connections).toBe(0);
    expect(server.ticking.size).toBe(0);
  });

  it('leave no stream, listener, timer or socket behind after 1,000 connect/abort cycles', async () => {
    const server = await start();
    const paths = ['/events', '/manual', '/ticks'];
    const settled = async (): Promise<void> => {
      await until(() => hub!.stats().connections === 0 && server.ticking.size === 0, 'every stream to end', 10_000);
      await until(
        async () => (await new Promise<number>((resolve) => app!.server.getConnections((_e, n) => resolve(n)))) === 0,
        'every socket to close',
        10_000,
      );
    };
    // Warm up once so lazily created resources exist before the baseline.
    await Promise.all(paths.map((path) => cycle(`${server.base}${path}`, false)));
    await settled();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = resources();
    const serverListeners = app!.server.eventNames().map((name) => [name, app!.server.listenerCount(name)]);

    const cycles = 1000;
    const concurrency = 20;
    for (let i = 0; i < cycles; i += concurrency) {
      await Promise.all(
        Array.from({ length: concurrency }, (_, j) =>
          cycle(`${server.base}${paths[(i + j) % paths.length]!}`, (i + j) % 4 === 0),
        ),
      );
    }
    await settled();
    expect(hub!.stats()).toMatchObject({ connections: 0, topics: {}, queuedBytes: 0 });
    expect(server.timers.size).toBe(0);
    // The hub's heartbeat timer and the tick timers are gone: the process holds what it held.
    await until(() => resources().join() === before.join(), 'the active resources to settle', 10_000);
    expect(resources()).toEqual(before);
    expect(app!.server.eventNames().map((name) => [name, app!.server.listenerCount(name)])).toEqual(serverListeners);
    // Every listener ssekit put on a response or a stream's signal was removed.
    expect(server.opened.length).toBe(50);
    for (const { stream, res } of server.opened) {
      expect([stream.closed, res.listenerCount('drain'), getEventListeners(stream.signal, 'abort').length]).toEqual([
        true,
        0,
        0,
      ]);
    }
  });
});
