import { createHook } from 'node:async_hooks';
import http from 'node:http';
import net from 'node:net';
import { createHub } from '@ssekit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { SseClient } from '../../testkit/src/sse-client.js';
import { createSseHandler } from '../src/index.js';
import { listen, until } from './support/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const CYCLES = 1000;
const EARLY_ABORTS = 200;
const CONCURRENCY = 50;

/** Active handles and requests by type, as Node reports them. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

function listeners(emitter: NodeJS.EventEmitter): Record<string, number> {
  return Object.fromEntries(emitter.eventNames().map((name) => [String(name), emitter.listenerCount(name)]));
}

function connections(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.getConnections((err, count) => {
      if (err) reject(err);
      else resolve(count);
    });
  });
}

async function inBatches(total: number, run: () => Promise<void>): Promise<void> {
  for (let done = 0; done < total; done += CONCURRENCY) {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, total - done) }, run));
  }
}

describe('disconnect cleanup', () => {
  it(`leaves no stream, listener, socket or timer behind after ${CYCLES} connect/abort cycles`, async () => {
    // Heartbeats on, so the hub's shared timer runs while streams are open and must stop after.
    const hub = createHub({ heartbeatMs: 60_000 });
    let received = 0;
    const reachedAuthorize = new Set<string>();
    const handler = createSseHandler(hub, {
      // `?early` requests wait until their client has gone before the stream starts: the
      // disconnect then happens between the request and the first byte.
      authorize: (req, topics) =>
        new Promise((resolve) => {
          received++;
          reachedAuthorize.add(req.url ?? '');
          if (!(req.url ?? '').includes('early') || req.socket.destroyed) resolve(topics);
          else req.socket.once('close', () => resolve(topics));
        }),
    });
    const server = http.createServer(handler);
    const listening = await listen(server);
    cleanups.push(async () => {
      await hub.close();
      await listening.close();
    });
    const serverListeners = listeners(server);
    const baseline = resources();
    // getActiveResourcesInfo() lists only ref'd timers, and the hub's heartbeat timer is unref'd:
    // every Timeout created from here on is tracked until it is cleared or has fired.
    const liveTimers = new Map<number, string>();
    const hook = createHook({
      init(asyncId, type) {
        if (type === 'Timeout') liveTimers.set(asyncId, type);
      },
      destroy(asyncId) {
        liveTimers.delete(asyncId);
      },
    }).enable();
    cleanups.push(() => {
      hook.disable();
    });

    await inBatches(CYCLES, async () => {
      const client = await SseClient.connect(`${listening.url}/events?topic=cycle`);
      await client.waitFor((c) => c.raw === 'retry: 3000\n\n', 5000, 'the retry line');
      client.close();
      await client.ended;
    });

    let early = 0;
    await inBatches(EARLY_ABORTS, async () => {
      const path = `/events?early=${early++}`;
      const socket = net.connect(listening.port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
      await until(() => reachedAuthorize.has(path), 'the request to reach authorize');
      socket.destroy();
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    });

    expect(received).toBe(CYCLES + EARLY_ABORTS);
    await until(() => hub.stats().connections === 0, 'every stream to be unregistered', 10_000);
    expect(hub.stats()).toMatchObject({ connections: 0, topics: {}, queuedBytes: 0, evicted: 0 });
    let open = await connections(server);
    for (const deadline = Date.now() + 10_000; open > 0 && Date.now() < deadline; open = await connections(server)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(open).toBe(0);
    expect(listeners(server)).toEqual(serverListeners);
    // Sockets and timers are released asynchronously: wait for the counts to settle, then compare.
    const extra = (): Record<string, number> => {
      const now = resources();
      return Object.fromEntries(
        Object.entries(now)
          .filter(([type, count]) => count > (baseline[type] ?? 0))
          .map(([type, count]) => [type, count - (baseline[type] ?? 0)]),
      );
    };
    for (const deadline = Date.now() + 10_000; Object.keys(extra()).length > 0 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(extra()).toEqual({});
    // Polled with setImmediate, which makes no Timeout of its own.
    for (const deadline = Date.now() + 5000; liveTimers.size > 0 && Date.now() < deadline;) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(liveTimers.size, 'timers created during the cycles and still pending').toBe(0);
  });
});
