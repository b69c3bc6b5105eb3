import type { IncomingHttpHeaders } from 'node:http';
import Router from '@koa/router';
import { SsekitError } from '@ssekit/core';
import type { HubOptions } from '@ssekit/core';
import { request } from '@ssekit/testkit';
import type Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { sse, ssePreflight } from '../src/index.js';
import type { KoaSseMiddleware, KoaSseOptions } from '../src/index.js';
import { KOA_VERSIONS, RETRY, useHarness } from './support.js';

const APP = 'https://app.example.com';
const LIMITED = ': too many connections, retry later\n';
const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};
const FORBIDDEN_ORIGIN = 'ssekit: this origin may not read event streams here.';
const WILDCARD =
  "ssekit: `cors.origins: ['*']` with `credentials: true` would let every site read your users' streams; list the origins.";

/** The response headers without `date`, which changes every second. */
function stable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { date, ...rest } = headers;
  expect(typeof date).toBe('string');
  return rest;
}

/** The hint of a retry answer, after checking its exact bytes. */
function retryHint(raw: string, min: number, max: number): number {
  const hint = Number(/^: too many connections, retry later\nretry: (\d+)\n\n$/.exec(raw)?.[1]);
  expect(raw).toBe(`${LIMITED}retry: ${hint}\n\n`);
  expect(hint).toBeGreaterThanOrEqual(min);
  expect(hint).toBeLessThanOrEqual(max);
  return hint;
}

describe.each(KOA_VERSIONS)('$name: hardening options', ({ Koa }) => {
  const harness = useHarness();

  /** `app.use(sse({ hub, path: '/events', ...options }))`, recording what reaches `app.on('error')`. */
  async function serveEvents(
    options: Omit<KoaSseOptions, 'hub'>,
    hubOptions: HubOptions = {},
    mount?: (app: Koa, stream: KoaSseMiddleware) => void,
  ) {
    const hub = harness.hub(hubOptions);
    const app = new Koa();
    app.proxy = true;
    const errors: unknown[] = [];
    app.on('error', (err: unknown) => errors.push(err));
    const stream = sse({ hub, path: '/events', ...options });
    if (mount === undefined) app.use(stream);
    else mount(app, stream);
    const { url } = await harness.serve(app);
    return { hub, url, errors };
  }

  describe('connection limits', () => {
    it('answers a client over the per-client limit with a 200 retry hint that ends, throwing nothing', async () => {
      const { hub, url, errors } = await serveEvents({}, { maxConnectionsPerClient: 1 });
      const first = await harness.connect(`${url}/events`);
      await first.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
      const second = await harness.connect(`${url}/events`);
      await second.ended;
      expect([second.status, second.completed]).toEqual([200, true]);
      const hint = retryHint(second.raw, 30_000, 45_000);
      expect(second.retries).toEqual([hint]);
      expect(stable(second.headers)).toEqual({
        ...STREAM_HEADERS,
        'content-length': String(second.raw.length),
      });
      expect(errors).toEqual([]);
      expect(hub.stats()).toMatchObject({ connections: 1, rejected: 1 });
    });

    it("throws a 429 into Koa's error handling with Retry-After and the CORS headers in err.headers", async () => {
      const { hub, url, errors } = await serveEvents(
        { limitResponse: 429, limitRetryMs: 4000, cors: { origins: [APP] } },
        { maxConnections: 1 },
      );
      const first = await harness.connect(`${url}/events`, { headers: { origin: APP } });
      await first.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
      const answer = await request(`${url}/events`, { headers: { origin: APP } });
      expect([answer.status, answer.text]).toEqual([
        429,
        'ssekit: the server is at its connection limit; retry later.',
      ]);
      const retryAfter = Number(answer.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(4);
      expect(retryAfter).toBeLessThanOrEqual(6);
      expect(answer.headers['access-control-allow-origin']).toBe(APP);
      expect(answer.headers.vary).toBe('Origin');
      // Exposed (4xx): Koa does not log it, but app.on('error') is told.
      const err = errors[0] as SsekitError & { expose: boolean; headers: Record<string, string> };
      expect([err.code, err.expose, Object.keys(err.headers).sort()]).toEqual([
        'too_many_connections',
        true,
        ['access-control-allow-origin', 'retry-after', 'vary'],
      ]);
      expect(hub.stats()).toMatchObject({ connections: 1, rejected: 1 });
    });

    it('uses limitRetryMs for the hint, and refuses a bad one when sse() is called', async () => {
      const { url } = await serveEvents({ limitRetryMs: 1000 }, { maxConnections: 1 });
      const first = await harness.connect(`${url}/events`);
      await first.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
      const refused = await harness.connect(`${url}/events`);
      await refused.ended;
      retryHint(refused.raw, 1000, 1500);
      expect(() => sse({ hub: harness.hub(), limitRetryMs: 2.5 })).toThrow(
        'ssekit: `limitRetryMs` must be a non-negative integer of milliseconds.',
      );
    });

    it('keys clients by clientKey(ctx)', async () => {
      const { hub, url } = await serveEvents(
        { clientKey: (ctx) => ctx.get('x-user') || undefined },
        { maxConnectionsPerClient: 1 },
      );
      for (const user of ['ada', 'bob']) {
        const client = await harness.connect(`${url}/events`, { headers: { 'x-user': user } });
        await client.waitFor((c) => c.raw === RETRY, 5000, user);
      }
      const adaAgain = await harness.connect(`${url}/events`, { headers: { 'x-user': 'ada' } });
      await adaAgain.ended;
      retryHint(adaAgain.raw, 30_000, 45_000);
      expect(hub.stats()).toMatchObject({ connections: 2, rejected: 1 });
    });

    it('keys clients by ctx.ip by default, which honours app.proxy', async () => {
      const { hub, url } = await serveEvents({ limitResponse: 429 }, { maxConnectionsPerClient: 1 });
      for (const address of ['203.0.113.1', '203.0.113.2']) {
        const client = await harness.connect(`${url}/events`, { headers: { 'x-forwarded-for': address } });
        await client.waitFor((c) => c.raw === RETRY, 5000, address);
      }
      const again = await request(`${url}/events`, { headers: { 'x-forwarded-for': '203.0.113.1' } });
      expect(again.status).toBe(429);
      expect(hub.stats()).toMatchObject({ connections: 2, rejected: 1 });
    });
  });

  describe('cors', () => {
    it('names the allowed origin, never *, with Vary: Origin and credentials when asked', async () => {
      const { url } = await serveEvents({ cors: { origins: [APP], credentials: true } });
      const client = await harness.connect(`${url}/events`, { headers: { origin: APP } });
      await client.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
      expect(stable(client.headers)).toEqual({
        vary: 'Origin',
        'access-control-allow-origin': APP,
        'access-control-allow-credentials': 'true',
        ...STREAM_HEADERS,
        'transfer-encoding': 'chunked',
      });
    });

    it("refuses another origin with 403 through Koa's error handling, Vary: Origin kept", async () => {
      const { hub, url, errors } = await serveEvents({ cors: { origins: [APP] } });
      const answer = await request(`${url}/events`, { headers: { origin: 'https://evil.example' } });
      expect([answer.status, answer.text]).toEqual([403, FORBIDDEN_ORIGIN]);
      expect(answer.headers.vary).toBe('Origin');
      expect(answer.headers['access-control-allow-origin']).toBe(undefined);
      expect((errors[0] as SsekitError).code).toBe('forbidden');
      expect(hub.stats().connections).toBe(0);
    });

    it('allows every origin with a wildcard and no credentials, and never * with credentials', async () => {
      const { url } = await serveEvents({ cors: { origins: ['*'] } });
      const client = await harness.connect(`${url}/events`, { headers: { origin: 'https://anywhere.example' } });
      await client.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
      expect(client.headers['access-control-allow-origin']).toBe('https://anywhere.example');
      expect(client.headers['access-control-allow-credentials']).toBe(undefined);
      expect(() => sse({ hub: harness.hub(), cors: { origins: ['*'], credentials: true } })).toThrow(WILDCARD);
      expect(() => ssePreflight({ origins: ['*'], credentials: true })).toThrow(WILDCARD);
    });

    const PREFLIGHT = {
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET',
      'access-control-allow-headers': 'Last-Event-ID, Cache-Control',
      'access-control-max-age': '600',
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
      'content-length': '0',
      connection: 'close',
    };
    const preflight = (url: string, origin: string) =>
      request(`${url}/events`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id' },
      });

    it('answers OPTIONS preflights to its path when mounted with app.use', async () => {
      const { hub, url } = await serveEvents({ cors: { origins: [APP], credentials: true } });
      const allowed = await preflight(url, APP);
      expect([allowed.status, allowed.text]).toEqual([204, '']);
      expect(stable(allowed.headers)).toEqual(PREFLIGHT);
      const other = await preflight(url, 'https://evil.example');
      expect([other.status, other.text]).toEqual([403, JSON.stringify({ error: FORBIDDEN_ORIGIN })]);
      expect(hub.stats().connections).toBe(0);
    });

    it('answers them on a router with router.options(path, ssePreflight(cors))', async () => {
      const cors = { origins: [APP], credentials: true };
      const { url } = await serveEvents({ cors }, {}, (app, stream) => {
        const router = new Router();
        router.get('/events', stream);
        router.options('/events', ssePreflight(cors));
        app.use(router.routes());
      });
      const allowed = await preflight(url, APP);
      expect([allowed.status, allowed.text]).toEqual([204, '']);
      expect(stable(allowed.headers)).toEqual(PREFLIGHT);
      const client = await harness.connect(`${url}/events`, { headers: { origin: APP } });
      await client.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
      expect(client.headers['access-control-allow-origin']).toBe(APP);
    });
  });

  it('reports 5xx failures to onError with the context, not refusals, and still throws them', async () => {
    const reported: [unknown, string][] = [];
    const boom = new Error('database down');
    const { url, errors } = await serveEvents({
      authorize: (ctx) => {
        if (ctx.query.crash !== undefined) throw boom;
        throw new SsekitError('forbidden', 'ssekit: no.');
      },
      onError: (err, ctx) => {
        reported.push([err, ctx.url]);
        throw new Error('the reporter failed too');
      },
    });
    const crashed = await request(`${url}/events?crash=1`);
    const refused = await request(`${url}/events`);
    expect([crashed.status, crashed.text, refused.status]).toEqual([500, 'Internal Server Error', 403]);
    expect(reported).toEqual([[boom, '/events?crash=1']]);
    expect(errors).toEqual([boom, expect.any(SsekitError)]);
  });
});
