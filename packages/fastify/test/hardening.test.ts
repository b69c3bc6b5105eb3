import { createHub } from '@ssekit/core';
import type { Hub, HubOptions } from '@ssekit/core';
import { SseClient, allowedPreflight, preflight, request, retryHint } from '@ssekit/testkit';
import type { ConnectOptions } from '@ssekit/testkit';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ssePreflight, ssekit } from '../src/index.js';
import type { SsekitPluginOptions } from '../src/index.js';
import { captureLog, closedAfterEach, fastifyError, listen, stableHeaders, streamOpen } from './helpers.js';

const APP = 'https://app.example.com';
const RETRY = 'retry: 3000\n';
const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};
const FORBIDDEN_ORIGIN = 'ssekit: this origin may not read event streams here.';
const WILDCARD =
  "ssekit: `cors.origins: ['*']` with `credentials: true` would let every site read your users' streams; list the origins.";

let app: FastifyInstance | undefined;
let hub: Hub | undefined;
const track = closedAfterEach(() => [hub, app]);

async function connect(url: string, options: ConnectOptions = {}, firstBytes = RETRY): Promise<SseClient> {
  const client = await track(url, options);
  if (firstBytes !== '') await client.waitFor((c) => c.raw === firstBytes, 5000, JSON.stringify(firstBytes));
  return client;
}

/** An app with the plugin registered; `routes` declares what the test needs. */
async function start(
  plugin: Omit<SsekitPluginOptions, 'hub'>,
  hubOptions: HubOptions,
  routes: (app: FastifyInstance) => void,
  fastify: FastifyServerOptions = {},
): Promise<string> {
  hub = createHub({ retry: 3000, heartbeatMs: 0, ...hubOptions });
  app = Fastify(fastify);
  await app.register(ssekit, { hub, ...plugin });
  routes(app);
  return await listen(app);
}

describe('connection limits', () => {
  it("answers over the per-client limit with a 200 retry hint that ends; the route's handler does not run", async () => {
    const log = captureLog();
    let handled = 0;
    const base = await start(
      {},
      { maxConnectionsPerClient: 1 },
      (app) => {
        app.get('/events', { sse: true }, () => {
          handled++;
        });
      },
      { logger: { level: 'info', stream: log.stream } },
    );
    await connect(`${base}/events`);
    const second = await connect(`${base}/events`, {}, '');
    await second.ended;
    expect([second.status, second.completed]).toEqual([200, true]);
    const hint = retryHint(second.raw, 30_000, 45_000);
    expect(second.retries).toEqual([hint]);
    expect(stableHeaders(second.headers)).toEqual({ ...SSE_HEADERS, 'content-length': String(second.raw.length) });
    expect(handled).toBe(1);
    expect(hub?.stats()).toMatchObject({ connections: 1, rejected: 1 });
    expect(log.lines.filter((line) => (line.level as number) >= 40)).toEqual([]);
  });

  it('answers the same from reply.sse(), which then resolves to undefined with reply.sent true', async () => {
    const seen: [unknown, boolean][] = [];
    const base = await start({ limitRetryMs: 1000 }, { maxConnections: 1 }, (app) => {
      app.get('/feed', async (_request, reply) => {
        seen.push([await reply.sse({ topics: ['feed'] }), reply.sent]);
      });
    });
    await connect(`${base}/feed`);
    const refused = await connect(`${base}/feed`, {}, '');
    await refused.ended;
    retryHint(refused.raw, 1000, 1500);
    expect(seen).toEqual([
      [expect.objectContaining({ closed: false }), true],
      [undefined, true],
    ]);
  });

  it("answers 429 through Fastify's error handler when a route asks, with Retry-After and the CORS headers", async () => {
    const base = await start({ cors: { origins: [APP] } }, { maxConnections: 1 }, (app) => {
      app.get('/events', { sse: { limitResponse: 429, limitRetryMs: 4000 } }, streamOpen);
    });
    await connect(`${base}/events`, { headers: { origin: APP } });
    const answer = await request(`${base}/events`, { headers: { origin: APP } });
    expect([answer.status, answer.text]).toEqual([
      429,
      fastifyError(
        429,
        'Too Many Requests',
        'ssekit: the server is at its connection limit; retry later.',
        'too_many_connections',
      ),
    ]);
    const retryAfter = Number(answer.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(4);
    expect(retryAfter).toBeLessThanOrEqual(6);
    expect([answer.headers.vary, answer.headers['access-control-allow-origin']]).toEqual(['Origin', APP]);
    expect(hub?.stats()).toMatchObject({ connections: 1, rejected: 1 });
  });

  it('keys clients by request.ip by default, which honours trustProxy', async () => {
    const base = await start(
      { limitResponse: 429 },
      { maxConnectionsPerClient: 1 },
      (app) => {
        app.get('/events', { sse: true }, streamOpen);
      },
      { trustProxy: '127.0.0.1' },
    );
    await connect(`${base}/events`, { headers: { 'x-forwarded-for': '203.0.113.1' } });
    await connect(`${base}/events`, { headers: { 'x-forwarded-for': '203.0.113.2' } });
    const again = await request(`${base}/events`, { headers: { 'x-forwarded-for': '203.0.113.1' } });
    expect(again.status).toBe(429);
    expect(hub?.stats()).toMatchObject({ connections: 2, rejected: 1 });
  });

  it('refuses a bad limitRetryMs or cors at registration and on a route', async () => {
    const bad = createHub();
    try {
      await expect(Fastify().register(ssekit, { hub: bad, limitRetryMs: -5 })).rejects.toThrow(
        'ssekit: `limitRetryMs` must be a non-negative integer of milliseconds.',
      );
      await expect(
        Fastify().register(ssekit, { hub: bad, cors: { origins: ['*'], credentials: true } }),
      ).rejects.toThrow(WILDCARD);
    } finally {
      await bad.close();
    }
    await start({}, {}, (app) => {
      expect(() => app.get('/events', { sse: { cors: { origins: ['*'], credentials: true } } }, streamOpen)).toThrow(
        WILDCARD,
      );
    });
    expect(() => ssePreflight({ origins: ['*'], credentials: true })).toThrow(WILDCARD);
  });
});

describe('cors', () => {
  // The test client sends `Connection: close`.
  const PREFLIGHT = { ...allowedPreflight(APP, { credentials: true }), connection: 'close' };

  it('gives an { sse } route with cors an OPTIONS route, under its prefix too', async () => {
    const cors = { origins: [APP], credentials: true };
    const base = await start({ cors }, {}, (app) => {
      app.get('/events', { sse: true }, streamOpen);
      void app.register(
        (scope, _options, done) => {
          scope.get('/events', { sse: true }, streamOpen);
          done();
        },
        { prefix: '/api' },
      );
    });
    for (const path of ['/events', '/api/events']) {
      const allowed = await preflight(`${base}${path}`, APP);
      expect([path, allowed.status, allowed.text]).toEqual([path, 204, '']);
      expect(stableHeaders(allowed.headers)).toEqual(PREFLIGHT);
    }
    const other = await preflight(`${base}/events`, 'https://evil.example');
    expect([other.status, other.text, other.headers.vary]).toEqual([
      403,
      fastifyError(403, 'Forbidden', FORBIDDEN_ORIGIN, 'forbidden'),
      'Origin',
    ]);
    expect(hub?.stats().connections).toBe(0);
  });

  it('answers preflights of a reply.sse() route with ssePreflight(cors)', async () => {
    const cors = { origins: [APP], credentials: true };
    const base = await start({}, {}, (app) => {
      app.get('/feed', async (_request, reply) => {
        await reply.sse({ cors });
      });
      app.options('/feed', ssePreflight(cors));
    });
    const allowed = await preflight(`${base}/feed`, APP);
    expect([allowed.status, allowed.text]).toEqual([204, '']);
    expect(stableHeaders(allowed.headers)).toEqual(PREFLIGHT);
    const client = await connect(`${base}/feed`, { headers: { origin: APP } });
    expect(client.headers['access-control-allow-origin']).toBe(APP);
  });
});
