import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { ServerResponse } from 'node:http';
import { createHub } from '@ssekit/core';
import type { Hub, SseStream } from '@ssekit/core';
import { SseClient, activeResources, connectionsOf, eventually, listenerCounts } from '@ssekit/testkit';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ssekit } from '../src/index.js';
import { listen } from './helpers.js';

// The { sse } route and the hand-driven reply.sse(handler) run in the adapter matrix
// (packages/testkit/test/adapters); this is reply.sse(options) from a handler of its own.

let app: FastifyInstance | undefined;
let hub: Hub | undefined;

afterEach(async () => {
  await hub?.close();
  await app?.close();
  app = undefined;
  hub = undefined;
});

/** A route calling reply.sse(options); the hub's heartbeat timer runs while a stream is open. */
async function start(): Promise<{ base: string; opened: { stream: SseStream<object>; res: ServerResponse }[] }> {
  hub = createHub({ retry: 3000, heartbeatMs: 1000 });
  app = Fastify();
  await app.register(ssekit, { hub });
  const opened: { stream: SseStream<object>; res: ServerResponse }[] = [];
  app.get('/manual', async (_request, reply) => {
    // An asynchronous check, so some clients leave while it runs.
    const stream = await reply.sse({ topics: ['manual'], authorize: async (_req, topics) => Promise.resolve(topics) });
    if (stream !== undefined && opened.length < 50) opened.push({ stream, res: reply.raw });
  });
  return { base: await listen(app), opened };
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

describe('reply.sse(options) and client disconnects', () => {
  it('ends the stream with reason "client" and unregisters it', async () => {
    const server = await start();
    const client = await SseClient.connect(`${server.base}/manual`);
    await client.waitFor((c) => c.retries.length === 1);
    const { stream } = server.opened.at(-1)!;
    expect(stream.closed).toBe(false);
    client.close();
    await eventually(() => stream.closed, 'the stream to end');
    expect(stream.signal.reason).toBe('client');
    expect(hub!.stats().connections).toBe(0);
  });

  it('leaves no stream, listener, timer or socket behind after 1,000 connect/abort cycles', async () => {
    const server = await start();
    const url = `${server.base}/manual`;
    const settled = async (): Promise<void> => {
      await eventually(() => hub!.stats().connections === 0, 'every stream to end', 10_000);
      await eventually(async () => (await connectionsOf(app!.server)) === 0, 'every socket to close', 10_000);
    };
    // Warm up once so lazily created resources exist before the baseline.
    await cycle(url, false);
    await settled();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = activeResources();
    const serverListeners = listenerCounts(app!.server);

    const cycles = 1000;
    const concurrency = 20;
    for (let i = 0; i < cycles; i += concurrency) {
      await Promise.all(Array.from({ length: concurrency }, (_, j) => cycle(url, (i + j) % 4 === 0)));
    }
    await settled();
    expect(hub!.stats()).toMatchObject({ connections: 0, topics: {}, queuedBytes: 0 });
    // The hub's heartbeat timer is gone: the process holds what it held.
    await eventually(
      () => JSON.stringify(activeResources()) === JSON.stringify(before),
      'the active resources to settle',
      10_000,
    );
    expect(activeResources()).toEqual(before);
    expect(listenerCounts(app!.server)).toEqual(serverListeners);
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
