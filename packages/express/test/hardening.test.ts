import type { IncomingHttpHeaders } from 'node:http';
import { SsekitError } from '@ssekit/core';
import type { HubOptions } from '@ssekit/core';
import { statusOf } from '@ssekit/node';
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { request } from '../../testkit/src/http.js';
import { sse, ssePreflight } from '../src/index.js';
import type { ExpressSseOptions } from '../src/index.js';
import { EXPRESS_VERSIONS, RETRY, connect, serve, testHub } from './support.js';
import type { ExpressFactory } from './support.js';

const APP = 'https://app.example.com';
const LIMITED = ': too many connections, retry later\n';
const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};
const FORBIDDEN_ORIGIN = 'ssekit: this origin may not read event streams here.';

/** The response headers without `date`, which changes every second. */
function stable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { date, ...rest } = headers;
  expect(typeof date).toBe('string');
  return rest;
}

/** The hint of a retry answer, after checking its exact bytes and that it ended. */
function retryHint(raw: string, min: number, max: number): number {
  const hint = Number(/^: too many connections, retry later\nretry: (\d+)\n\n$/.exec(raw)?.[1]);
  expect(raw).toBe(`${LIMITED}retry: ${hint}\n\n`);
  expect(hint).toBeGreaterThanOrEqual(min);
  expect(hint).toBeLessThanOrEqual(max);
  return hint;
}

describe.each(EXPRESS_VERSIONS)('%s', (_name, express) => {
  /** `sse()` on GET /events, with an error handler answering `{ error, code }` and counting. */
  async function serveEvents(
    options: Omit<ExpressSseOptions, 'hub'>,
    hubOptions: HubOptions = {},
    mount: (app: ReturnType<ExpressFactory>, handler: ReturnType<typeof sse>) => void = (app, handler) => {
      app.get('/events', handler);
    },
  ) {
    const hub = testHub(hubOptions);
    const app = express();
    app.disable('x-powered-by');
    app.set('trust proxy', 'loopback');
    const errors: unknown[] = [];
    mount(app, sse({ hub, ...options }));
    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      errors.push(err);
      res.status(statusOf(err)).json({ error: (err as Error).message, code: (err as { code?: string }).code });
    });
    const { url } = await serve(app);
    return { hub, url, errors };
  }

  describe('connection limits', () => {
    it('answers a client over the per-client limit with a 200 retry hint that ends, not through next()', async () => {
      const { hub, url, errors } = await serveEvents({}, { maxConnectionsPerClient: 1 });
      const first = await connect(`${url}/events`);
      const second = await connect(`${url}/events`, {}, '');
      await second.ended;
      expect(second.status).toBe(200);
      expect(second.completed).toBe(true);
      const hint = retryHint(second.raw, 30_000, 45_000);
      expect(second.retries).toEqual([hint]);
      expect(stable(second.headers)).toEqual({ ...STREAM_HEADERS, 'content-length': String(second.raw.length) });
      expect(errors).toEqual([]);
      expect(hub.stats()).toMatchObject({ connections: 1, rejected: 1 });
      expect(first.isEnded).toBe(false);
    });

    it('goes to next(err) with status 429 and Retry-After when limitResponse is 429', async () => {
      const { hub, url, errors } = await serveEvents({ limitResponse: 429, limitRetryMs: 4000 }, { maxConnections: 1 });
      await connect(`${url}/events`);
      const answer = await request(`${url}/events`);
      expect(answer.status).toBe(429);
      expect(answer.text).toBe(
        JSON.stringify({
          error: 'ssekit: the server is at its connection limit; retry later.',
          code: 'too_many_connections',
        }),
      );
      const retryAfter = Number(answer.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(4);
      expect(retryAfter).toBeLessThanOrEqual(6);
      expect(errors.map((err) => (err as SsekitError).code)).toEqual(['too_many_connections']);
      expect(hub.stats()).toMatchObject({ connections: 1, rejected: 1 });
    });

    it('uses limitRetryMs for the hint, and refuses a bad one when sse() is called', async () => {
      const { url } = await serveEvents({ limitRetryMs: 1000 }, { maxConnections: 1 });
      await connect(`${url}/events`);
      const refused = await connect(`${url}/events`, {}, '');
      await refused.ended;
      retryHint(refused.raw, 1000, 1500);
      expect(() => sse({ hub: testHub(), limitRetryMs: -1 })).toThrow(
        'ssekit: `limitRetryMs` must be a non-negative integer of milliseconds.',
      );
    });

    it('keys clients by clientKey', async () => {
      const { hub, url } = await serveEvents({ clientKey: (req) => req.get('x-user') }, { maxConnectionsPerClient: 1 });
      await connect(`${url}/events`, { headers: { 'x-user': 'ada' } });
      await connect(`${url}/events`, { headers: { 'x-user': 'bob' } });
      const adaAgain = await connect(`${url}/events`, { headers: { 'x-user': 'ada' } }, '');
      await adaAgain.ended;
      retryHint(adaAgain.raw, 30_000, 45_000);
      expect(hub.stats()).toMatchObject({ connections: 2, rejected: 1 });
    });

    it("keys clients by req.ip by default, which honours Express's trust proxy", async () => {
      const { hub, url } = await serveEvents({ limitResponse: 429 }, { maxConnectionsPerClient: 1 });
      await connect(`${url}/events`, { headers: { 'x-forwarded-for': '203.0.113.1' } });
      await connect(`${url}/events`, { headers: { 'x-forwarded-for': '203.0.113.2' } });
      const again = await request(`${url}/events`, { headers: { 'x-forwarded-for': '203.0.113.1' } });
      expect(again.status).toBe(429);
      expect(hub.stats()).toMatchObject({ connections: 2, rejected: 1 });
    });
  });

  describe('cors', () => {
    it('names the allowed origin, never *, with Vary: Origin and credentials when asked', async () => {
      const { url } = await serveEvents({ cors: { origins: [APP], credentials: true } });
      const client = await connect(`${url}/events`, { headers: { origin: APP } });
      expect(stable(client.headers)).toEqual({
        vary: 'Origin',
        'access-control-allow-origin': APP,
        'access-control-allow-credentials': 'true',
        ...STREAM_HEADERS,
        'transfer-encoding': 'chunked',
      });
    });

    it('refuses another origin with 403 through next(err), before the stream', async () => {
      const { hub, url, errors } = await serveEvents({ cors: { origins: [APP] } });
      const answer = await request(`${url}/events`, { headers: { origin: 'https://evil.example' } });
      expect(answer.status).toBe(403);
      expect(answer.text).toBe(JSON.stringify({ error: FORBIDDEN_ORIGIN, code: 'forbidden' }));
      expect(answer.headers.vary).toBe('Origin');
      expect(answer.headers['access-control-allow-origin']).toBe(undefined);
      expect(errors).toHaveLength(1);
      expect(hub.stats().connections).toBe(0);
    });

    it('keeps the CORS headers on the retry answer, so the page can read it', async () => {
      const { url } = await serveEvents({ cors: { origins: [APP] } }, { maxConnections: 1 });
      await connect(`${url}/events`, { headers: { origin: APP } });
      const refused = await connect(`${url}/events`, { headers: { origin: APP } }, '');
      await refused.ended;
      retryHint(refused.raw, 30_000, 45_000);
      expect(refused.headers['access-control-allow-origin']).toBe(APP);
    });

    it('allows every origin with a wildcard and no credentials, and never * with credentials', async () => {
      const { url } = await serveEvents({ cors: { origins: ['*'] } });
      const client = await connect(`${url}/events`, { headers: { origin: 'https://anywhere.example' } });
      expect(client.headers['access-control-allow-origin']).toBe('https://anywhere.example');
      expect(client.headers['access-control-allow-credentials']).toBe(undefined);
      const wildcard =
        "ssekit: `cors.origins: ['*']` with `credentials: true` would let every site read your users' streams; list the origins.";
      expect(() => sse({ hub: testHub(), cors: { origins: ['*'], credentials: true } })).toThrow(wildcard);
      expect(() => ssePreflight({ origins: ['*'], credentials: true })).toThrow(wildcard);
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

    it('answers OPTIONS preflights itself when mounted with app.use', async () => {
      const cors = { origins: [APP], credentials: true };
      const { hub, url } = await serveEvents({ cors }, {}, (app, handler) => {
        app.use('/events', handler);
      });
      const allowed = await preflight(url, APP);
      expect([allowed.status, allowed.text]).toEqual([204, '']);
      expect(stable(allowed.headers)).toEqual(PREFLIGHT);
      const other = await preflight(url, 'https://evil.example');
      expect([other.status, other.text]).toEqual([403, JSON.stringify({ error: FORBIDDEN_ORIGIN })]);
      expect(hub.stats().connections).toBe(0);
    });

    it('needs ssePreflight() beside app.get, which never sees OPTIONS', async () => {
      const cors = { origins: [APP], credentials: true };
      const bare = await serveEvents({ cors });
      // Express's own OPTIONS answer: no Access-Control header, so the browser would refuse.
      const unanswered = await preflight(bare.url, APP);
      expect(unanswered.status).toBe(200);
      expect(unanswered.headers['access-control-allow-origin']).toBe(undefined);

      const { url } = await serveEvents({ cors }, {}, (app, handler) => {
        app.get('/events', handler);
        app.options('/events', ssePreflight(cors));
      });
      const allowed = await preflight(url, APP);
      expect([allowed.status, allowed.text]).toEqual([204, '']);
      expect(stable(allowed.headers)).toEqual(PREFLIGHT);
    });
  });

  describe('onError', () => {
    it('reports failures answered with a 5xx, then passes them to next(); not refusals', async () => {
      const reported: [unknown, string][] = [];
      const boom = new Error('database down');
      const { url, errors } = await serveEvents({
        authorize: (req) => {
          if (req.query.crash !== undefined) throw boom;
          throw new SsekitError('forbidden', 'ssekit: no.');
        },
        onError: (err, req) => {
          reported.push([err, req.originalUrl]);
          throw new Error('the reporter failed too');
        },
      });
      const crashed = await request(`${url}/events?crash=1`);
      const refused = await request(`${url}/events`);
      expect([crashed.status, refused.status]).toEqual([500, 403]);
      expect(reported).toEqual([[boom, '/events?crash=1']]);
      expect(errors).toHaveLength(2);
      expect(errors[0]).toBe(boom);
    });
  });

  it('still streams normally within the limits', async () => {
    const { hub, url } = await serveEvents({ cors: { origins: [APP] } }, { maxConnections: 2 });
    const client = await connect(`${url}/events`, { headers: { origin: APP } });
    const { id } = await hub.publish('default', { data: 'hello' });
    await client.waitFor((c) => c.raw === `${RETRY}id: ${id}\ndata: hello\n\n`, 5000, 'the event');
  });
});
