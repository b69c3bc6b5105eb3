import { createHub } from '@ssekit/core';
import type { Hub, SseStream } from '@ssekit/core';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { eventually } from '@ssekit/testkit';
import { ssekit } from '../src/index.js';
import { captureLog, closedAfterEach, listen, stableHeaders, streamOpen } from './helpers.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
  'transfer-encoding': 'chunked',
};

let app: FastifyInstance | undefined;
let hub: Hub | undefined;
const connect = closedAfterEach(() => [hub, app]);

describe('the { sse } route option', () => {
  it('takes per-route topics, authorization and retry, typed by the route', async () => {
    hub = createHub({ retry: 3000, heartbeatMs: 0 });
    app = Fastify();
    await app.register(ssekit, { hub, retry: 2000 });
    app.get<{ Params: { room: string } }>(
      '/rooms/:room',
      {
        sse: {
          topics: (request) => [`room:${request.params.room}`, 'lobby'],
          authorize: (request, topics) => (request.headers['x-member'] === 'yes' ? topics : ['lobby']),
          retry: 500,
        },
      },
      streamOpen,
    );
    const base = await listen(app);

    const member = await connect(`${base}/rooms/a`, { headers: { 'x-member': 'yes' } });
    const guest = await connect(`${base}/rooms/a`);
    await member.waitFor((c) => c.retries.length === 1);
    await guest.waitFor((c) => c.retries.length === 1);
    expect(hub.stats().topics).toEqual({ 'room:a': 1, lobby: 2 });

    const secret = await hub.publish('room:a', { data: 'for members' });
    const open = await hub.publish('lobby', { data: 'for all' });
    await member.waitForEvents(2);
    await guest.waitForEvents(1);
    expect(member.raw).toBe(`retry: 500\nid: ${secret.id}\ndata: for members\n\nid: ${open.id}\ndata: for all\n\n`);
    expect(guest.raw).toBe(`retry: 500\nid: ${open.id}\ndata: for all\n\n`);
  });

  it('runs the route handler once the stream is open; reply.sse() there returns that stream', async () => {
    hub = createHub({ retry: 3000, heartbeatMs: 0 });
    app = Fastify();
    await app.register(ssekit, { hub });
    const streams: SseStream<object>[] = [];
    app.get('/events', { sse: { topics: ['news'] } }, async (_request, reply) => {
      const stream = await reply.sse<{ welcome: string }>();
      expect(stream).toBeDefined();
      stream?.send({ event: 'welcome', data: 'hi' });
      streams.push(stream as SseStream<object>);
      expect(await reply.sse()).toBe(stream);
    });
    const base = await listen(app);

    const client = await connect(`${base}/events`);
    await client.waitForEvents(1);
    expect(client.raw).toBe('retry: 3000\nevent: welcome\ndata: hi\n\n');
    expect(streams).toHaveLength(1);
    expect(hub.stats().connections).toBe(1);
  });

  it('refuses `sse` on a route that is not GET', async () => {
    hub = createHub({ heartbeatMs: 0 });
    app = Fastify();
    await app.register(ssekit, { hub });
    expect(() => app?.post('/publish', { sse: true }, () => 'no')).toThrow(
      'ssekit: `sse` is for GET routes (EventSource only sends GET); remove it from POST /publish.',
    );
  });

  it('refuses to register without a hub', async () => {
    app = Fastify();
    // @ts-expect-error the hub is required
    await expect(app.register(ssekit, {})).rejects.toThrow(
      'ssekit: pass the hub to the plugin: app.register(ssekit, { hub: createHub() }).',
    );
  });

  it('refuses a retry that is not a non-negative integer, at registration', async () => {
    hub = createHub({ heartbeatMs: 0 });
    app = Fastify();
    await expect(Fastify().register(ssekit, { hub, retry: -1 })).rejects.toThrow(
      'ssekit: app.register(ssekit, options): `retry` must be a non-negative integer of milliseconds; got -1.',
    );
    await app.register(ssekit, { hub });
    expect(() => app?.get('/events', { sse: { retry: 1.5 } }, streamOpen)).toThrow(
      'ssekit: the `sse` option of GET /events: `retry` must be a non-negative integer of milliseconds; got 1.5.',
    );
  });

  it('serves a separate hub in an encapsulated context', async () => {
    hub = createHub({ retry: 1000, heartbeatMs: 0 });
    const other = createHub({ retry: 2000, heartbeatMs: 0 });
    app = Fastify();
    await app.register(ssekit, { hub });
    app.get('/events', { sse: true }, streamOpen);
    await app.register(async (child) => {
      await child.register(ssekit, { hub: other });
      child.get('/other', { sse: true }, streamOpen);
    });
    const base = await listen(app);

    const main = await connect(`${base}/events`);
    const second = await connect(`${base}/other`);
    await main.waitFor((c) => c.retries.length === 1);
    await second.waitFor((c) => c.retries.length === 1);
    expect([main.raw, second.raw]).toEqual(['retry: 1000\n', 'retry: 2000\n']);
    expect([hub.stats().connections, other.stats().connections]).toEqual([1, 1]);
    await other.close();
  });
});

describe('reply.sse(options)', () => {
  it('subscribes the request from any handler, with the plugin defaults underneath', async () => {
    hub = createHub({ retry: 3000, heartbeatMs: 0 });
    app = Fastify();
    await app.register(ssekit, { hub, retry: 1500, headers: { 'access-control-allow-origin': '*' } });
    app.get('/feed', async (_request, reply) => {
      await reply.sse({ topics: ['feed'] });
    });
    const base = await listen(app);

    const client = await connect(`${base}/feed`);
    await client.waitFor((c) => c.retries.length === 1);
    expect(stableHeaders(client.headers)).toEqual({ 'access-control-allow-origin': '*', ...SSE_HEADERS });
    const published = await hub.publish('feed', { data: 'line 1\nline 2' });
    await client.waitForEvents(1);
    expect(client.raw).toBe(`retry: 1500\nid: ${published.id}\ndata: line 1\ndata: line 2\n\n`);
  });

  it('adds a route’s headers to the plugin’s, the route winning a name both set', async () => {
    hub = createHub({ retry: 3000, heartbeatMs: 0 });
    app = Fastify();
    await app.register(ssekit, { hub, retry: 1500, headers: { 'x-plugin': 'p', 'x-both': 'plugin' } });
    app.get('/feed', { sse: { topics: () => ['feed'], headers: { 'x-route': 'r', 'x-both': 'route' } } }, streamOpen);
    const base = await listen(app);

    const client = await connect(`${base}/feed`);
    await client.waitFor((c) => c.retries.length === 1);
    expect(stableHeaders(client.headers)).toEqual({
      'x-plugin': 'p',
      'x-route': 'r',
      'x-both': 'route',
      ...SSE_HEADERS,
    });
    expect(client.raw).toBe('retry: 1500\n');
  });
});

describe('reply.sse(drive)', () => {
  it('opens a hand-driven stream that resumes after the Last-Event-ID and stops when the client leaves', async () => {
    app = Fastify();
    hub = createHub({ heartbeatMs: 0 });
    await app.register(ssekit, { hub });
    let ended: unknown;
    app.get('/ticks', (_request, reply) =>
      reply.sse<{ message: string }>(
        (stream, lastEventId) => {
          const n = lastEventId === undefined ? 0 : Number(lastEventId) + 1;
          for (const id of [n, n + 1]) stream.send({ id: String(id), data: `tick ${id}` });
          stream.signal.addEventListener('abort', () => {
            ended = stream.signal.reason;
          });
        },
        { retry: 1000 },
      ),
    );
    const base = await listen(app);

    const client = await connect(`${base}/ticks`, { lastEventId: '41' });
    await client.waitForEvents(2);
    expect(stableHeaders(client.headers)).toEqual(SSE_HEADERS);
    expect(client.raw).toBe('retry: 1000\nid: 42\ndata: tick 42\n\nid: 43\ndata: tick 43\n\n');
    client.close();
    await eventually(() => ended !== undefined, 'the stream to end');
    expect(ended).toBe('client');
  });

  it('logs a drive that fails after the first byte and ends the stream', async () => {
    const log = captureLog();
    app = Fastify({ logger: { level: 'error', stream: log.stream } });
    hub = createHub({ heartbeatMs: 0 });
    await app.register(ssekit, { hub });
    app.get('/broken', (_request, reply) =>
      reply.sse(async (stream) => {
        stream.send({ data: 'one' });
        await Promise.resolve();
        throw new Error('the producer failed');
      }),
    );
    const base = await listen(app);

    const client = await connect(`${base}/broken`);
    await client.ended;
    expect(client.raw).toBe('data: one\n\n');
    await eventually(() => log.lines.length === 1, 'the error log line');
    const line = log.lines[0] as { reqId: string; msg: string; err: { message: string } };
    expect([line.reqId, line.msg, line.err.message]).toEqual([
      'req-1',
      'ssekit: the handler failed after the event stream started; the stream was ended',
      'the producer failed',
    ]);
  });

  it('logs an { sse } route handler that throws after the first byte and ends the stream', async () => {
    const log = captureLog();
    app = Fastify({ logger: { level: 'error', stream: log.stream } });
    hub = createHub({ retry: 3000, heartbeatMs: 0 });
    await app.register(ssekit, { hub });
    app.get('/events', { sse: true }, () => {
      throw new Error('handler broke');
    });
    const base = await listen(app);

    const client = await connect(`${base}/events`);
    await client.ended;
    expect(client.raw).toBe('retry: 3000\n');
    await eventually(() => log.lines.length === 1, 'the error log line');
    expect((log.lines[0] as { err: { message: string } }).err.message).toBe('handler broke');
    expect(hub.stats().connections).toBe(0);
  });
});
