import { SsekitError, assertTopic, createHub, parseLastEventId } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import { messageOf, request } from '@ssekit/testkit';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ssekit } from '../src/index.js';
import { closedAfterEach, fastifyError, listen, streamOpen } from './helpers.js';

let app: FastifyInstance | undefined;
let hub: Hub | undefined;
const connect = closedAfterEach(() => [hub, app]);

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
