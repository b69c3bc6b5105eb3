import http from 'node:http';
import { createHub } from '@ssekit/core';
import type { Hub, SseStream } from '@ssekit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { SseClient } from '../../testkit/src/sse-client.js';
import { createSseHandler, openStream } from '../src/index.js';
import { listen, until } from './support/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const BUDGET = 256 * 1024;
const PAYLOAD = 'x'.repeat(16 * 1024);
/** Far more than loopback buffers can hold (a few MiB), so the loop always ends by eviction. */
const MAX_EVENTS = 4000;

async function connect(url: string): Promise<SseClient> {
  const client = await SseClient.connect(url);
  cleanups.push(() => {
    client.close();
  });
  return client;
}

function connections(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.getConnections((err, count) => {
      if (err) reject(err);
      else resolve(count);
    });
  });
}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a client that stops reading', () => {
  it('makes write() return false; the stream holds up to its budget, then is evicted, and the other stream keeps flowing', async () => {
    const streams: SseStream[] = [];
    const server = http.createServer((req, res) => {
      streams.push(openStream(req, res, { heartbeatMs: 0, writeTimeoutMs: 0, maxBufferedBytes: BUDGET }));
    });
    const listening = await listen(server);
    cleanups.push(async () => {
      for (const stream of streams) await stream.close();
      await listening.close();
    });
    const slow = await connect(listening.url);
    await until(() => streams.length === 1, 'the slow stream');
    const fast = await connect(listening.url);
    await until(() => streams.length === 2, 'the fast stream');
    const [slowStream, fastStream] = streams as [SseStream, SseStream];
    slow.pause();

    let sent = 0;
    let blockedAt = -1;
    let maxHeld = 0;
    while (!slowStream.signal.aborted) {
      expect(sent, 'events sent before the eviction').toBeLessThan(MAX_EVENTS);
      slowStream.send({ id: String(sent), data: PAYLOAD });
      expect(fastStream.send({ id: String(sent), data: PAYLOAD })).toBe(true);
      sent++;
      await turn();
      if (blockedAt < 0 && !slowStream.writable) blockedAt = sent;
      maxHeld = Math.max(maxHeld, slowStream.bufferedBytes);
      // The fast client gets every event while the slow one is stuck: nothing waits for it.
      await fast.waitForEvents(sent);
    }

    expect(blockedAt).toBeGreaterThan(0);
    expect(slowStream.signal.reason).toBe('evicted');
    expect(maxHeld).toBeLessThanOrEqual(BUDGET);
    expect(slowStream.bufferedBytes).toBe(0);
    expect(fastStream.closed).toBe(false);
    expect(fast.events.map((event) => event.id)).toEqual(Array.from({ length: sent }, (_, n) => String(n)));
    // The evicted client's socket is let go at once, even though it never read its backlog.
    await until(() => slow.isEnded || streams.length === 2, 'the slow stream to be gone');
    let open = await connections(server);
    for (const deadline = Date.now() + 5000; open !== 1 && Date.now() < deadline; open = await connections(server)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(open).toBe(1);
    slow.resume();
    await slow.ended;
    expect(slow.completed).toBe(false);
  });

  it('is evicted from a hub behind createSseHandler without slowing the other subscriber', async () => {
    const hub: Hub = createHub({ heartbeatMs: 0, writeTimeoutMs: 0, maxBufferedBytes: BUDGET, replaySize: 4 });
    const server = http.createServer(createSseHandler(hub));
    const listening = await listen(server);
    cleanups.push(async () => {
      await hub.close();
      await listening.close();
    });
    const slow = await connect(listening.url);
    const fast = await connect(listening.url);
    await until(() => hub.stats().connections === 2, 'two streams');
    slow.pause();

    let published = 0;
    while (hub.stats().evicted === 0) {
      expect(published, 'events published before the eviction').toBeLessThan(MAX_EVENTS);
      const { delivered } = await hub.publish('default', { data: PAYLOAD });
      expect(delivered).toBeGreaterThanOrEqual(1);
      published++;
      expect(hub.stats().queuedBytes).toBeLessThanOrEqual(BUDGET);
      await fast.waitForEvents(published);
    }
    expect(hub.stats().connections).toBe(1);
    expect(hub.stats().queuedBytes).toBe(0);
    expect(fast.events).toHaveLength(published);
    await until(() => slow.isEnded || hub.stats().connections === 1, 'the eviction');
    let open = await connections(server);
    for (const deadline = Date.now() + 5000; open !== 1 && Date.now() < deadline; open = await connections(server)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(open).toBe(1);
  });

  it('does not keep hub.close() waiting for a stalled client', async () => {
    const hub: Hub = createHub({ heartbeatMs: 0, writeTimeoutMs: 0, replaySize: 4 });
    const server = http.createServer(createSseHandler(hub));
    const listening = await listen(server);
    cleanups.push(() => listening.close());
    const stalled = await connect(listening.url);
    const reading = await connect(listening.url);
    await until(() => hub.stats().connections === 2, 'two streams');
    stalled.pause();
    // Fill the stalled socket until the hub has to queue for it.
    for (let n = 0; hub.stats().queuedBytes === 0; n++) {
      expect(n, 'events published before the transport blocked').toBeLessThan(MAX_EVENTS);
      await hub.publish('default', { data: PAYLOAD });
      await reading.waitForEvents(n + 1);
    }
    await withDeadline(hub.close(), 5000, 'hub.close()');
    await reading.ended;
    expect(reading.completed).toBe(true);
    expect(hub.stats().connections).toBe(0);
  });
});
