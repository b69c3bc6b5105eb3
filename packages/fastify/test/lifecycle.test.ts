import { SsekitError, assertTopic, createHub, parseLastEventId } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import { SseClient, eventually, messageOf, request } from '@ssekit/testkit';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ssekit } from '../src/index.js';
import { captureLog, fastifyError, listen, streamOpen } from './helpers.js';

let app: FastifyInstance | undefined;
let hub: Hub | undefined;
const clients: SseClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await hub?.close();
  await app?.close();
  app = undefined;
  hub = undefined;
});

async function connect(url: string): Promise<SseClient> {
  const client = await SseClient.connect(url);
  clients.push(client);
  return client;
}

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

describe('{ sse } routes the plugin never wrapped', () => {
  it('make ready() reject for a route of several methods declared before the plugin, naming it', async () => {
    hub = createHub({ heartbeatMs: 0 });
    app = Fastify();
    app.route({ method: ['GET', 'HEAD'], url: '/both', sse: true, handler: streamOpen });
    await app.register(ssekit, { hub });
    await expect(app.ready()).rejects.toThrow('ssekit: GET,HEAD /both is declared with `sse`');
  });

  it('leave out a declaration refused for a bad option, which added no route', async () => {
    hub = createHub({ heartbeatMs: 0 });
    app = Fastify();
    await app.register(ssekit, { hub });
    expect(() => app?.get('/events', { sse: { retry: -1 } }, streamOpen)).toThrow(SsekitError);
    await app.ready();
    expect(app.hasRoute({ method: 'GET', url: '/events' })).toBe(false);
  });
});

describe('app.close()', () => {
  it("ends the plugin's open streams cleanly and leaves the hub open", async () => {
    hub = createHub({ retry: 3000, heartbeatMs: 0 });
    app = Fastify();
    await app.register(ssekit, { hub });
    app.get('/events', { sse: true }, streamOpen);
    app.get('/ticks', (_request, reply) => reply.sse((stream) => stream.send({ data: 'tick' })));
    const base = await listen(app);
    const events = await connect(`${base}/events`);
    const ticks = await connect(`${base}/ticks`);
    await events.waitFor((c) => c.retries.length === 1);
    await ticks.waitForEvents(1);

    await app.close();
    await Promise.all([events.ended, ticks.ended]);
    expect([events.raw, ticks.raw]).toEqual(['retry: 3000\n', 'data: tick\n\n']);
    expect([hub.closed, hub.stats().connections]).toEqual([false, 0]);
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

    const client = await SseClient.connect(`${base}/events`, { headers: { authorization: 'Bearer ok' } });
    clients.push(client);
    await client.waitFor((c) => c.retries.length === 1);
    expect(hub.stats().connections).toBe(1);
  });
});

describe('refusals before the first byte', () => {
  async function start(): Promise<string> {
    hub = createHub({ heartbeatMs: 0 });
    app = Fastify();
    await app.register(ssekit, {
      hub,
      authorize: (request, topics) => (request.headers['x-user'] === 'banned' ? [] : topics),
    });
    app.get('/events', { sse: true }, streamOpen);
    app.get(
      '/guarded',
      { sse: { authorize: () => Promise.reject(new SsekitError('forbidden', 'members only')) } },
      streamOpen,
    );
    app.get(
      '/private',
      { sse: { authorize: () => Promise.reject(new SsekitError('unauthorized', 'ssekit: sign in first')) } },
      streamOpen,
    );
    app.get('/manual', async (_request, reply) => {
      await reply.sse({ topics: ['bad topic'] });
    });
    app.get('/ticks', (_request, reply) => reply.sse((stream) => stream.send({ data: 'tick' })));
    app.get('/bad-retry', async (_request, reply) => {
      await reply.sse({ retry: -1 });
    });
    app.get('/bad-tick-retry', (_request, reply) => reply.sse(() => undefined, { retry: 0.5 }));
    return listen(app);
  }

  it('answers each with its SsekitError status through Fastify, and registers nothing', async () => {
    const base = await start();
    const badId = messageOf(() => parseLastEventId('not an id!'));
    const badTopic = messageOf(() => assertTopic('bad topic'));
    const cases: [string, Record<string, string>, number, string][] = [
      [
        '/events',
        { 'last-event-id': 'not an id!' },
        400,
        fastifyError(400, 'Bad Request', badId, 'invalid_last_event_id'),
      ],
      ['/events?lastEventId=not%20an%20id!', {}, 400, fastifyError(400, 'Bad Request', badId, 'invalid_last_event_id')],
      ['/events?topic=bad%20topic', {}, 400, fastifyError(400, 'Bad Request', badTopic, 'invalid_topic')],
      // Options are checked when reply.sse() is given them: a bad topic there is the app's bug.
      [
        '/manual',
        {},
        500,
        fastifyError(
          500,
          'Internal Server Error',
          `ssekit: reply.sse(options): \`topics\` holds "bad topic": ${badTopic.replace(/^ssekit: /, '')}`,
          'invalid_option',
        ),
      ],
      [
        '/events',
        { 'x-user': 'banned' },
        403,
        fastifyError(403, 'Forbidden', 'ssekit: no topic of this request may be received.', 'forbidden'),
      ],
      ['/guarded', {}, 403, fastifyError(403, 'Forbidden', 'ssekit: members only', 'forbidden')],
      ['/private', {}, 401, fastifyError(401, 'Unauthorized', 'ssekit: sign in first', 'unauthorized')],
      [
        '/ticks',
        { 'last-event-id': 'not an id!' },
        400,
        fastifyError(400, 'Bad Request', badId, 'invalid_last_event_id'),
      ],
    ];
    for (const [path, message] of [
      ['/bad-retry', 'ssekit: reply.sse(options): `retry` must be a non-negative integer of milliseconds; got -1.'],
      ['/bad-tick-retry', 'ssekit: openStream(): `retry` must be a non-negative integer of milliseconds; got 0.5.'],
    ] as const) {
      cases.push([path, {}, 500, fastifyError(500, 'Internal Server Error', message, 'invalid_option')]);
    }
    for (const [path, headers, status, body] of cases) {
      const answer = await request(`${base}${path}`, { headers: headers });
      expect([path, answer.status, answer.headers['content-type'], answer.text]).toEqual([
        path,
        status,
        'application/json; charset=utf-8',
        body,
      ]);
    }
    expect(hub?.stats().connections).toBe(0);
  });

  it('answers 429 with Retry-After over the hub connection limit when limitResponse is 429', async () => {
    hub = createHub({ retry: 3000, heartbeatMs: 0, maxConnections: 1 });
    app = Fastify();
    await app.register(ssekit, { hub, limitResponse: 429 });
    app.get('/events', { sse: true }, streamOpen);
    const base = await listen(app);
    const first = await connect(`${base}/events`);
    await first.waitFor((c) => c.retries.length === 1);

    const answer = await request(`${base}/events`);
    expect([answer.status, answer.text]).toEqual([
      429,
      fastifyError(
        429,
        'Too Many Requests',
        'ssekit: the server is at its connection limit; retry later.',
        'too_many_connections',
      ),
    ]);
    expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(30);
    expect(hub.stats().connections).toBe(1);
  });

  it('answers 503 once the hub is closed', async () => {
    const base = await start();
    await hub?.close();
    const answer = await request(`${base}/events`);
    expect([answer.status, answer.text]).toEqual([
      503,
      fastifyError(503, 'Service Unavailable', 'ssekit: the server is shutting down; reconnect later.', 'closed'),
    ]);
  });

  it("goes through the app's error handler and onError hooks", async () => {
    hub = createHub({ heartbeatMs: 0 });
    app = Fastify();
    await app.register(ssekit, { hub });
    const codes: string[] = [];
    app.addHook('onError', (_request, _reply, error, done) => {
      codes.push(error instanceof SsekitError ? error.code : 'other');
      done();
    });
    app.setErrorHandler((error, _request, reply) => {
      if (!(error instanceof SsekitError)) return reply.code(500).send({ error: 'internal error' });
      return reply.code(error.status).send({ error: error.message });
    });
    app.get('/events', { sse: true }, streamOpen);
    const base = await listen(app);

    const answer = await request(`${base}/events`, { headers: { 'last-event-id': 'x'.repeat(129) } });
    expect([answer.status, answer.text]).toEqual([
      400,
      JSON.stringify({ error: messageOf(() => parseLastEventId('x'.repeat(129))) }),
    ]);
    expect(codes).toEqual(['invalid_last_event_id']);
  });
});
