import type { IncomingHttpHeaders } from 'node:http';
import { SsekitError } from '@ssekit/core';
import type { CorsOptions, Hub, HubOptions } from '@ssekit/core';
import { request } from '@ssekit/testkit';
import { SseClient } from '@ssekit/testkit';
import type { ConnectOptions } from '@ssekit/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { errorResponse, ssePreflight, sseResponse } from '../src/index.js';
import type { HubResponseOptions } from '../src/index.js';
import { serveFetch } from './fetch-server.js';
import { BodyReader, RETRY, expectThrowsCode, get, hubFor, tick } from './support.js';

const APP = 'https://app.example.com';
const LIMITED = ': too many connections, retry later\n';
const STREAM_HEADERS = {
  'cache-control': 'no-cache, no-transform',
  'content-type': 'text/event-stream; charset=utf-8',
  'x-accel-buffering': 'no',
};
const FORBIDDEN_ORIGIN = 'ssekit: this origin may not read event streams here.';
const WILDCARD =
  "ssekit: `cors.origins: ['*']` with `credentials: true` would let every site read your users' streams; list the origins.";

const clients: SseClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

async function connect(url: string, options: ConnectOptions = {}, firstBytes = RETRY): Promise<SseClient> {
  const client = await SseClient.connect(url, options);
  clients.push(client);
  if (firstBytes !== '') await client.waitFor((c) => c.raw === firstBytes, 5000, JSON.stringify(firstBytes));
  return client;
}

/** The response headers a Fetch host sends, without the ones node:http adds. */
function own(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { date, ...rest } = headers;
  expect(typeof date).toBe('string');
  delete rest.connection;
  delete rest['transfer-encoding'];
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

/** `sseResponse` on every request, refusals through `errorResponse`, as a Hono app does it. */
async function serveEvents(
  options:
    | Omit<HubResponseOptions<Record<string, unknown>>, 'hub'>
    | ((request: Request) => Omit<HubResponseOptions<Record<string, unknown>>, 'hub'>),
  hubOptions: HubOptions = {},
): Promise<{ hub: Hub; url: string }> {
  const hub = hubFor(hubOptions);
  const server = await serveFetch((req) => {
    try {
      return sseResponse(req, { hub, ...(typeof options === 'function' ? options(req) : options) });
    } catch (err) {
      return errorResponse(err);
    }
  });
  return { hub, url: server.url };
}

describe('connection limits', () => {
  it('answers over the limit with a 200 whose body is only the retry hint, then ends', async () => {
    const { hub, url } = await serveEvents({ limitRetryMs: 1000 }, { maxConnections: 1 });
    await connect(`${url}/events`);
    const second = await connect(`${url}/events`, {}, '');
    await second.ended;
    expect([second.status, second.completed]).toEqual([200, true]);
    const hint = retryHint(second.raw, 1000, 1500);
    expect(second.retries).toEqual([hint]);
    expect(own(second.headers)).toEqual(STREAM_HEADERS);
    expect(hub.stats()).toMatchObject({ connections: 1, rejected: 1 });
  });

  it('applies the per-client limit to the clientKey given, and to no one without it', async () => {
    const { hub, url } = await serveEvents((req) => ({ clientKey: req.headers.get('x-user') ?? undefined }), {
      maxConnectionsPerClient: 1,
    });
    await connect(`${url}/events`, { headers: { 'x-user': 'ada' } });
    await connect(`${url}/events`, { headers: { 'x-user': 'bob' } });
    const adaAgain = await connect(`${url}/events`, { headers: { 'x-user': 'ada' } }, '');
    await adaAgain.ended;
    retryHint(adaAgain.raw, 30_000, 45_000);
    // No key, no per-client limit: a Fetch request has no remote address to fall back on.
    await connect(`${url}/events`);
    await connect(`${url}/events`);
    expect(hub.stats()).toMatchObject({ connections: 4, rejected: 1 });
  });

  it('throws a 429 with Retry-After and the CORS headers in err.headers when limitResponse is 429', async () => {
    const { hub, url } = await serveEvents(
      { limitResponse: 429, limitRetryMs: 4000, cors: { origins: [APP] } },
      { maxConnections: 1 },
    );
    await connect(`${url}/events`, { headers: { origin: APP } });
    const answer = await request(`${url}/events`, { headers: { origin: APP } });
    expect([answer.status, answer.text]).toEqual([
      429,
      JSON.stringify({ error: 'ssekit: the server is at its connection limit; retry later.' }),
    ]);
    const retryAfter = Number(answer.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(4);
    expect(retryAfter).toBeLessThanOrEqual(6);
    expect([answer.headers.vary, answer.headers['access-control-allow-origin']]).toEqual(['Origin', APP]);
    expect(hub.stats()).toMatchObject({ connections: 1, rejected: 1 });
  });

  it('subscribes when sseResponse is called with limitResponse 429, except for HEAD', async () => {
    const hub = hubFor({ maxConnections: 1 });
    const head = sseResponse(get('/events', { method: 'HEAD' }), { hub, limitResponse: 429 });
    await tick();
    expect(hub.stats().connections).toBe(0);
    const response = sseResponse(get('/events'), { hub, limitResponse: 429 });
    expect(hub.stats().connections).toBe(1);
    const err = expectThrowsCode(
      () => sseResponse(get('/events'), { hub, limitResponse: 429 }),
      'too_many_connections',
    );
    expect(Object.keys((err as SsekitError & { headers: object }).headers)).toEqual(['retry-after']);
    // The hint written at subscription waited in the body for the first read.
    const body = new BodyReader(response.body);
    expect(await body.read()).toBe(RETRY);
    expect(head.status).toBe(200);
  });

  it('refuses a bad limitRetryMs', () => {
    expect(() => sseResponse(get('/events'), { hub: hubFor(), limitRetryMs: -1 })).toThrow(
      'ssekit: `limitRetryMs` must be a non-negative integer of milliseconds.',
    );
  });
});

describe('cors', () => {
  it('names the allowed origin, never *, with Vary: Origin and credentials when asked', async () => {
    const { url } = await serveEvents({ cors: { origins: [APP], credentials: true } });
    const client = await connect(`${url}/events`, { headers: { origin: APP } });
    expect(own(client.headers)).toEqual({
      ...STREAM_HEADERS,
      'access-control-allow-credentials': 'true',
      'access-control-allow-origin': APP,
      vary: 'Origin',
    });
  });

  it('refuses another origin with a 403 the page can tell, before any Response', async () => {
    const { hub, url } = await serveEvents({ cors: { origins: [APP] } });
    const answer = await request(`${url}/events`, { headers: { origin: 'https://evil.example' } });
    expect([answer.status, answer.text]).toEqual([403, JSON.stringify({ error: FORBIDDEN_ORIGIN })]);
    expect([answer.headers.vary, answer.headers['access-control-allow-origin']]).toEqual(['Origin', undefined]);
    expect(hub.stats().connections).toBe(0);
    // The hand-driven form checks it too.
    const cors = { origins: [APP] };
    expectThrowsCode(
      () => sseResponse(get('/ticks', { headers: { origin: 'https://evil.example' } }), () => undefined, { cors }),
      'forbidden',
    );
  });

  it('keeps the CORS headers on the retry answer and on other refusals', async () => {
    const { url } = await serveEvents({ cors: { origins: [APP] } }, { maxConnections: 1 });
    await connect(`${url}/events`, { headers: { origin: APP } });
    const refused = await connect(`${url}/events`, { headers: { origin: APP } }, '');
    await refused.ended;
    retryHint(refused.raw, 30_000, 45_000);
    expect(refused.headers['access-control-allow-origin']).toBe(APP);
    const badTopic = await request(`${url}/events?topic=a%20b`, { headers: { origin: APP } });
    expect([badTopic.status, badTopic.headers['access-control-allow-origin']]).toEqual([400, APP]);
  });

  it('allows every origin with a wildcard and no credentials, and never * with credentials', () => {
    const hub = hubFor();
    const response = sseResponse(get('/events', { headers: { origin: 'https://anywhere.example' } }), {
      hub,
      cors: { origins: ['*'] },
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://anywhere.example');
    expect(response.headers.get('access-control-allow-credentials')).toBe(null);
    const wildcard: CorsOptions = { origins: ['*'], credentials: true };
    expect(() => sseResponse(get('/events'), { hub, cors: wildcard })).toThrow(WILDCARD);
    expect(() => ssePreflight(get('/events', { method: 'OPTIONS' }), wildcard)).toThrow(WILDCARD);
  });

  it('answers preflights with ssePreflight(request, cors): 204 for an allowed origin, 403 otherwise', async () => {
    const cors = { origins: [APP], credentials: true, maxAgeSeconds: 120 };
    const server = await serveFetch((req) => ssePreflight(req, cors));
    const preflight = (origin: string) =>
      request(`${server.url}/events`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id' },
      });
    const allowed = await preflight(APP);
    expect([allowed.status, allowed.text]).toEqual([204, '']);
    expect(own(allowed.headers)).toEqual({
      'access-control-allow-credentials': 'true',
      'access-control-allow-headers': 'Last-Event-ID, Cache-Control',
      'access-control-allow-methods': 'GET',
      'access-control-allow-origin': APP,
      'access-control-max-age': '120',
      vary: 'Origin',
    });
    const other = await preflight('https://evil.example');
    expect([other.status, other.text]).toEqual([403, JSON.stringify({ error: FORBIDDEN_ORIGIN })]);
    expect(own(other.headers)).toEqual({
      'content-type': 'application/json; charset=utf-8',
      vary: 'Origin',
    });
  });
});

describe('errorResponse', () => {
  it("sends the error's headers, leaving out invalid ones, with its own content type", async () => {
    const err = Object.assign(new SsekitError('too_many_connections', 'ssekit: later.'), {
      headers: { 'retry-after': '30', 'bad header': 'x', 'content-type': 'text/html', count: 3 },
    });
    const response = errorResponse(err);
    expect(response.status).toBe(429);
    expect([...response.headers]).toEqual([
      ['content-type', 'application/json; charset=utf-8'],
      ['retry-after', '30'],
    ]);
    expect(await response.text()).toBe('{"error":"ssekit: later."}');
  });
});
