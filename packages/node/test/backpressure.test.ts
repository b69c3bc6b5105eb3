import http from 'node:http';
import type { SseStream } from '@ssekit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionsOf, eventually, openClient } from '@ssekit/testkit';
import { openStream } from '../src/index.js';
import { listen } from './support/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const BUDGET = 256 * 1024;
const PAYLOAD = 'x'.repeat(16 * 1024);
/** Far more than loopback buffers can hold (a few MiB), so the loop always ends by eviction. */
const MAX_EVENTS = 4000;

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('openStream: a client that stops reading', () => {
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
    const slow = await openClient(listening.url);
    await eventually(() => streams.length === 1, 'the slow stream');
    const fast = await openClient(listening.url);
    await eventually(() => streams.length === 2, 'the fast stream');
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
    await eventually(() => slow.isEnded || streams.length === 2, 'the slow stream to be gone');
    let open = await connectionsOf(server);
    for (const deadline = Date.now() + 5000; open !== 1 && Date.now() < deadline; open = await connectionsOf(server)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(open).toBe(1);
    slow.resume();
    await slow.ended;
    expect(slow.completed).toBe(false);
  });
});
