import { SsekitError, createHub, isSsekitError } from '@ssekit/core';
import type { Hub, HubOptions } from '@ssekit/core';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { SseClient } from '../../testkit/src/sse-client.js';
import type { ConnectOptions } from '../../testkit/src/sse-client.js';
import { ssePreflight, ssekit } from '../src/index.js';
import type { SsekitPluginOptions } from '../src/index.js';
import { captureLog, get, listen, stableHeaders, streamOpen } from './helpers.js';

const APP = 'https://app.example.com';
const RETRY = 'retry: 3000\n\n';
const LIMITED = ': too many connections, retry later\n';
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
const clients: SseClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await hub?.close();
  await app?.close();
  app = undefined;
  hub = undefined;
});

async function connect(url: string, options: ConnectOptions = {}, firstBytes = RETRY): Promise<SseClient> {
  const client = await SseClient.connect(url, options);
  clients.push(client);
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

/** Fastify's default error body. */
function fastifyError(statusCode: number, error: string, message: string, code: string): string {
  return JSON.stringify({ statusCode, code, error, message });
}

/** The hint of a retry answer, after checking its exact bytes. */
function retryHint(raw: string, min: number, max: number): number {
  const hint = Number(/^: too many connections, retry later\nretry: (\d+)\n\n$/.exec(raw)?.[1]);
  expect(raw).toBe(`${LIMITED}retry: ${hint}\n\n`);
  expect(hint).toBeGreaterThanOrEqual(min);
  expect(hint).toBeLessThanOrEqual(max);
  return hint;
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

  it('answers the same from reply.sse(), which then rejects with reply.sent true', async () => {
    const seen: [string, boolean][] = [];
    const base = await start({ limitRetryMs: 1000 }, { maxConnections: 1 }, (app) => {
      app.get('/feed', async (_request, reply) => {
        try {
          await reply.sse({ topics: ['feed'] });
        } catch (err) {
          seen.push([isSsekitError(err) ? err.code : 'other', reply.sent]);
        }
      });
    });
    await connect(`${base}/feed`);
    const refused = await connect(`${base}/feed`, {}, '');
    await refused.ended;
    retryHint(refused.raw, 1000, 1500);
    expect(seen).toEqual([['too_many_connections', true]]);
  });

  it("answers 429 through Fastify's error handler when a route asks, with Retry-After and the CORS headers", async () => {
    const base = await start({ cors: { origins: [APP] } }, { maxConnections: 1 }, (app) => {
      app.get('/events', { sse: { limitResponse: 429, limitRetryMs: 4000 } }, streamOpen);
    });
    await connect(`${base}/events`, { headers: { origin: APP } });
    const answer = await get(`${base}/events`, { origin: APP });
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

  it('keys clients by clientKey(request)', async () => {
    const base = await start({}, { maxConnectionsPerClient: 1 }, (app) => {
      app.get(
        '/events',
        { sse: { clientKey: (request) => request.headers['x-user'] as string | undefined } },
        streamOpen,
      );
    });
    await connect(`${base}/events`, { headers: { 'x-user': 'ada' } });
    await connect(`${base}/events`, { headers: { 'x-user': 'bob' } });
    const adaAgain = await connect(`${base}/events`, { headers: { 'x-user': 'ada' } }, '');
    await adaAgain.ended;
    retryHint(adaAgain.raw, 30_000, 45_000);
    expect(hub?.stats()).toMatchObject({ connections: 2, rejected: 1 });
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
    const again = await get(`${base}/events`, { 'x-forwarded-for': '203.0.113.1' });
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
  it('names the allowed origin, never *, with Vary: Origin and credentials when asked', async () => {
    const base = await start({ cors: { origins: [APP], credentials: true } }, {}, (app) => {
      app.get('/events', { sse: true }, streamOpen);
    });
    const client = await connect(`${base}/events`, { headers: { origin: APP } });
    expect(stableHeaders(client.headers)).toEqual({
      vary: 'Origin',
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      ...SSE_HEADERS,
      'transfer-encoding': 'chunked',
    });
  });

  it("refuses another origin with 403 through Fastify's error handler, on GET and HEAD", async () => {
    const base = await start({}, {}, (app) => {
      app.get('/events', { sse: { cors: { origins: [APP] } } }, streamOpen);
    });
    const answer = await get(`${base}/events`, { origin: 'https://evil.example' });
    expect([answer.status, answer.text]).toEqual([403, fastifyError(403, 'Forbidden', FORBIDDEN_ORIGIN, 'forbidden')]);
    expect([answer.headers.vary, answer.headers['access-control-allow-origin']]).toEqual(['Origin', undefined]);
    const head = await get(`${base}/events`, { origin: 'https://evil.example' }, 'HEAD');
    expect(head.status).toBe(403);
    const allowedHead = await get(`${base}/events`, { origin: APP }, 'HEAD');
    expect([allowedHead.status, allowedHead.headers['access-control-allow-origin']]).toEqual([200, APP]);
    expect(hub?.stats().connections).toBe(0);
  });

  it('allows every origin with a wildcard and no credentials, still naming the origin', async () => {
    const base = await start({ cors: { origins: ['*'] } }, {}, (app) => {
      app.get('/events', { sse: true }, streamOpen);
    });
    const client = await connect(`${base}/events`, { headers: { origin: 'https://anywhere.example' } });
    expect(client.headers['access-control-allow-origin']).toBe('https://anywhere.example');
    expect(client.headers['access-control-allow-credentials']).toBe(undefined);
  });

  const PREFLIGHT = {
    'access-control-allow-origin': APP,
    'access-control-allow-methods': 'GET',
    'access-control-allow-headers': 'Last-Event-ID, Cache-Control',
    'access-control-max-age': '600',
    'access-control-allow-credentials': 'true',
    vary: 'Origin',
    // The test client sends `Connection: close`.
    connection: 'close',
  };
  const preflight = (url: string, origin: string) =>
    get(
      url,
      { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id' },
      'OPTIONS',
    );

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

it('reports 5xx failures to onError with the request, not refusals, and still answers them', async () => {
  const reported: [unknown, string][] = [];
  const boom = new Error('database down');
  const base = await start(
    {
      onError: (err, request) => {
        reported.push([err, request.url]);
        throw new Error('the reporter failed too');
      },
    },
    {},
    (app) => {
      app.get<{ Querystring: { crash?: string } }>(
        '/events',
        {
          sse: {
            authorize: (request) => {
              if (request.query.crash !== undefined) throw boom;
              throw new SsekitError('forbidden', 'ssekit: no.');
            },
          },
        },
        streamOpen,
      );
    },
  );
  const crashed = await get(`${base}/events?crash=1`);
  const refused = await get(`${base}/events`);
  expect([crashed.status, refused.status]).toEqual([500, 403]);
  expect(reported).toEqual([[boom, '/events?crash=1']]);
});
