import { createHub } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import { eventually, request } from '@ssekit/testkit';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ssekit } from '../src/index.js';
import { captureLog, closedAfterEach, fastifyError, listen, streamOpen } from './helpers.js';

let app: FastifyInstance | undefined;
let hub: Hub | undefined;
const connect = closedAfterEach(() => [hub, app]);

describe("Fastify's hooks and logger", () => {
  it('see the stream request: onRequest and preHandler before it, the logger with its request id', async () => {
    const log = captureLog();
    hub = createHub({ retry: 3000, heartbeatMs: 0 });
    app = Fastify({ logger: { level: 'info', stream: log.stream } });
    await app.register(ssekit, { hub });
    const seen: string[] = [];
    app.addHook('onRequest', (request, _reply, done) => {
      seen.push(`onRequest ${request.url}`);
      done();
    });
    app.addHook('preHandler', (request, _reply, done) => {
      seen.push(`preHandler ${request.url}`);
      done();
    });
    app.get('/events', { sse: true }, (request) => {
      request.log.info('stream open');
    });
    const base = await listen(app);

    const client = await connect(`${base}/events`);
    await client.waitFor((c) => c.retries.length === 1);
    const requestLines = (): Record<string, unknown>[] => log.lines.filter((line) => line.reqId !== undefined);
    await eventually(() => requestLines().length === 2, 'two request log lines');
    expect(seen).toEqual(['onRequest /events', 'preHandler /events']);
    expect(
      requestLines().map((line) => [line.reqId, line.msg, (line.req as { url?: string } | undefined)?.url]),
    ).toEqual([
      ['req-1', 'incoming request', '/events'],
      ['req-1', 'stream open', undefined],
    ]);
  });

  it('report a client leaving through onRequestAbort, and a server-side end through onResponse', async () => {
    const log = captureLog();
    hub = createHub({ retry: 3000, heartbeatMs: 0 });
    app = Fastify({ logger: { level: 'info', stream: log.stream } });
    await app.register(ssekit, { hub });
    const seen: string[] = [];
    app.addHook('onRequestAbort', (request, done) => {
      seen.push(`onRequestAbort ${request.id}`);
      done();
    });
    app.addHook('onResponse', (request, reply, done) => {
      seen.push(`onResponse ${request.id} ${reply.statusCode}`);
      done();
    });
    app.get('/events', { sse: true }, streamOpen);
    const base = await listen(app);

    const leaving = await connect(`${base}/events`);
    await leaving.waitFor((c) => c.retries.length === 1);
    leaving.close();
    await eventually(() => seen.length === 1, 'onRequestAbort');
    expect(hub.stats().connections).toBe(0);

    const staying = await connect(`${base}/events`);
    await staying.waitFor((c) => c.retries.length === 1);
    await hub.close();
    await staying.ended;
    await eventually(() => seen.length === 2, 'onResponse');
    expect(seen).toEqual(['onRequestAbort req-1', 'onResponse req-2 200']);
    const requestLines = (): Record<string, unknown>[] => log.lines.filter((line) => line.reqId !== undefined);
    await eventually(() => requestLines().length === 3, 'three request log lines');
    expect(requestLines().map((line) => [line.reqId, line.msg])).toEqual([
      ['req-1', 'incoming request'],
      ['req-2', 'incoming request'],
      ['req-2', 'request completed'],
    ]);
  });
});

describe('hook rejections', () => {
  it('answer onRequest and preHandler rejections with ordinary Fastify errors, no stream', async () => {
    hub = createHub({ heartbeatMs: 0 });
    app = Fastify();
    await app.register(ssekit, { hub });
    app.addHook('onRequest', async (request) => {
      // A rejected promise, as an async authentication hook would produce.
      await Promise.resolve();
      if (request.headers.authorization === undefined) {
        throw Object.assign(new Error('sign in first'), { statusCode: 401 });
      }
    });
    app.get(
      '/events',
      {
        sse: true,
        preHandler: (request, _reply, done) => {
          const refused = request.headers.authorization !== 'Bearer ok';
          done(refused ? Object.assign(new Error('not this token'), { statusCode: 403 }) : undefined);
        },
      },
      streamOpen,
    );
    app.get('/manual', async (request, reply) => {
      await reply.sse();
    });
    const base = await listen(app);

    for (const path of ['/events', '/manual']) {
      const anonymous = await request(`${base}${path}`);
      expect([anonymous.status, anonymous.headers['content-type'], anonymous.text]).toEqual([
        401,
        'application/json; charset=utf-8',
        fastifyError(401, 'Unauthorized', 'sign in first'),
      ]);
    }
    const wrong = await request(`${base}/events`, { headers: { authorization: 'Bearer nope' } });
    expect([wrong.status, wrong.text]).toEqual([403, fastifyError(403, 'Forbidden', 'not this token')]);
    expect(hub.stats().connections).toBe(0);

    const client = await connect(`${base}/events`, { headers: { authorization: 'Bearer ok' } });
    await client.waitFor((c) => c.retries.length === 1);
    expect(hub.stats().connections).toBe(1);
  });
});
