import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_ENV, freshTopic } from './contract.js';
import { startDemo } from './demo.js';
import type { RunningDemo } from './demo.js';
import { eventually, publish, request, stats } from './http.js';
import { parseExposition } from './metrics-route.js';
import { halfSent } from './raw-http.js';
import { SseClient } from './sse-client.js';
import { serverSockets } from './tcp-states.js';

/** The settings the hardening suite starts a demo with: small enough to see each limit act. */
export const HARDENING_ENV = {
  ...CONTRACT_ENV,
  HEARTBEAT_MS: '0',
  MAX_BUFFERED_BYTES: '65536',
  WRITE_TIMEOUT_MS: '60000',
  HEADERS_TIMEOUT_MS: '500',
  SHUTDOWN_JITTER_MS: '2000',
  MAX_CONNECTIONS: '40',
} as const;

/** A connection that asks for a stream and never reads a byte of it. */
function stalledReader(port: number, topic: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`GET /events?topic=${topic} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
      socket.pause();
      resolve(socket);
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

/** Resolves when the server closes `socket` (end or reset), with how long it took. */
function closedBy(socket: net.Socket, timeoutMs: number): Promise<number | undefined> {
  const started = Date.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
    socket.resume();
  });
}

/**
 * What a stress campaign found against the demos, as tests: evicted readers leave no kernel
 * memory behind, a request pipelined behind a stream never runs, shutdown spreads the clients'
 * return, slow headers time out, stream connections are not kept alive, deep JSON is refused
 * before it is parsed, the connection cap keeps `/publish` and `/stats` answering, and client
 * aborts are not counted as errors. Node demos only: Bun and Deno own their connections.
 * @param name - the example's folder under `examples/`.
 */
export function defineHardeningSuite(name: string): void {
  describe(`hardening: examples/${name}`, () => {
    let demo: RunningDemo;

    beforeAll(async () => {
      demo = await startDemo(name, { ...HARDENING_ENV });
    });

    afterAll(async () => {
      await demo.stop('SIGTERM', 5000);
    });

    it('resets evicted readers that never read: the kernel keeps no FIN-WAIT-1 queue for them', async () => {
      const topic = freshTopic('stall');
      const readers = await Promise.all(Array.from({ length: 4 }, () => stalledReader(demo.port, topic)));
      try {
        await eventually(async () => (await stats(demo.url)).eventStreams === 4, 'four streams');
        const big = 'x'.repeat(60_000);
        for (let i = 0; i < 200 && ((await stats(demo.url)).eventStreams ?? 0) > 0; i++) {
          await publish(demo.url, { topic, data: big });
        }
        await eventually(async () => (await stats(demo.url)).eventStreams === 0, 'the readers evicted');
        expect((await stats(demo.url)).evicted).toBeGreaterThanOrEqual(4);
        await new Promise((resolve) => setTimeout(resolve, 100));
        const held = serverSockets(demo.port).filter((s) => s.state === 'FIN_WAIT1' && s.sendQueue > 0);
        expect(held).toEqual([]);
      } finally {
        for (const reader of readers) reader.destroy();
      }
    });

    it('closes a connection on which a request is pipelined behind a stream, before the request runs', async () => {
      const before = (await stats(demo.url)).published ?? 0;
      const body = JSON.stringify({ topic: freshTopic('pipe'), data: 'must not publish' });
      const socket = net.connect(demo.port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(
        `GET /events?topic=${freshTopic('p')} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n` +
          `POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      expect(await closedBy(socket, 5000)).toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await stats(demo.url)).published ?? 0).toBe(before);
    });

    it('closes a connection whose request head is still incomplete after HEADERS_TIMEOUT_MS', async () => {
      const socket = await halfSent(demo.port, 'GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      const took = await closedBy(socket, 5000);
      expect(took).toBeDefined();
      expect(took).toBeLessThan(5000);
    });

    it('does not keep a connection alive after the stream on it ended', async () => {
      const topic = freshTopic('end');
      const socket = net.connect(demo.port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(`GET /events?topic=${topic} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
      await eventually(async () => (await stats(demo.url)).topics !== undefined, 'the stream');
      await eventually(
        async () => ((await stats(demo.url)) as { topics?: Record<string, number> }).topics?.[topic] === 1,
        'the subscription',
      );
      const closing = closedBy(socket, 5000);
      const final = await publish(demo.url, { topic, data: 'last', final: true });
      expect(final.status).toBe(202);
      expect(await closing).toBeDefined();
    });

    it('refuses JSON nested deeper than 64 levels before parsing it, saying so', async () => {
      const answer = await publish(demo.url, `{"data":${'['.repeat(500_000)}${']'.repeat(500_000)}}`);
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ error: 'ssekit: the body nests deeper than 64 levels; flatten it.' });
      expect((await publish(demo.url, { data: [[[[1]]]] })).status).toBe(202);
    });

    it('keeps answering /publish and /stats when streams fill MAX_CONNECTIONS, and turns more away', async () => {
      const topic = freshTopic('cap');
      const open: SseClient[] = [];
      try {
        const baseline = (await stats(demo.url)).eventStreams ?? 0;
        for (let i = baseline; i < 40; i++) open.push(await SseClient.connect(`${demo.url}/events?topic=${topic}`));
        await eventually(async () => (await stats(demo.url)).eventStreams === 40, 'forty streams');
        const refused = await SseClient.connect(`${demo.url}/events?topic=${topic}`);
        await refused.ended;
        expect(refused.raw.startsWith(': too many connections, retry later\n')).toBe(true);
        expect((await request(`${demo.url}/stats`)).status).toBe(200);
        expect((await publish(demo.url, { topic, data: 'still here' })).status).toBe(202);
      } finally {
        for (const client of open) client.close();
      }
    });

    it('does not count client aborts as errors', async () => {
      const topic = freshTopic('churn');
      const clients = await Promise.all(
        Array.from({ length: 30 }, () => SseClient.connect(`${demo.url}/events?topic=${topic}`)),
      );
      await Promise.all(clients.map((client) => client.waitFor((c) => c.retries.length === 1)));
      // Each client goes away while events for it are on their way: writes meet closed sockets.
      const publishes: Promise<unknown>[] = [];
      for (const client of clients) {
        client.close();
        for (let i = 0; i < 3; i++) publishes.push(publish(demo.url, { topic, data: 'x'.repeat(10_000) }));
      }
      await Promise.all(publishes);
      await eventually(
        async () => ((await stats(demo.url)).topics as Record<string, number> | undefined)?.[topic] === undefined,
        'the streams gone',
      );
      const metrics = parseExposition((await request(`${demo.url}/metrics`)).text);
      expect(metrics.ssekit_errors_total ?? 0).toBe(0);
      expect(metrics['ssekit_disconnects_total{reason="client"}']).toBeGreaterThanOrEqual(30);
    });

    it('tells every stream to come back after RETRY_MS plus a jitter of up to SHUTDOWN_JITTER_MS on SIGTERM', async () => {
      const own = await startDemo(name, { ...HARDENING_ENV });
      const clients = await Promise.all(Array.from({ length: 20 }, () => SseClient.connect(`${own.url}/events`)));
      await Promise.all(clients.map((client) => client.waitFor((c) => c.retries.length === 1)));
      expect(await own.stop('SIGTERM', 8000)).toBe(0);
      await Promise.all(clients.map((client) => client.ended));
      const hints = clients.map((client) => client.retries.at(-1) ?? 0);
      const base = Number(HARDENING_ENV.RETRY_MS);
      for (const hint of hints) {
        expect(hint).toBeGreaterThanOrEqual(base);
        expect(hint).toBeLessThanOrEqual(base + Number(HARDENING_ENV.SHUTDOWN_JITTER_MS));
      }
      expect(new Set(hints).size).toBeGreaterThanOrEqual(5);
    });
  });
}
