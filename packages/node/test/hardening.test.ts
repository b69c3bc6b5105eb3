import http from 'node:http';
import http2 from 'node:http2';
import { SsekitError, createHub } from '@ssekit/core';
import type { Hub, HubOptions } from '@ssekit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from '../../testkit/src/http.js';
import { SseClient } from '../../testkit/src/sse-client.js';
import { createSseHandler, sendRefusal, startStream } from '../src/index.js';
import type { NodeRequest, SseHandlerOptions } from '../src/index.js';
import { H2Stream, connectH2 } from './support/h2-client.js';
import { listen, until } from './support/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(options: SseHandlerOptions = {}, hubOptions: HubOptions = {}): Promise<{ hub: Hub; url: string }> {
  const hub = createHub({ heartbeatMs: 0, ...hubOptions });
  const listening = await listen(http.createServer(createSseHandler(hub, options)));
  cleanups.push(() => listening.close());
  cleanups.push(() => hub.close());
  return { hub, url: listening.url };
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await SseClient.connect(url, { headers });
  cleanups.push(() => {
    client.close();
  });
  return client;
}

/** The response headers without `date`, which changes every second. */
function stable(headers: http.IncomingHttpHeaders): http.IncomingHttpHeaders {
  const { date, ...rest } = headers;
  expect(typeof date).toBe('string');
  return rest;
}

const RETRY = 'retry: 3000\n\n';
const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
  'transfer-encoding': 'chunked',
};
const APP = 'https://app.example.com';

describe('cors', () => {
  it('is off by default: no Access-Control header, whatever the Origin', async () => {
    const { url } = await serve();
    const client = await connect(`${url}/events`, { origin: APP });
    expect(client.status).toBe(200);
    expect(stable(client.headers)).toEqual(STREAM_HEADERS);
  });

  it('names the allowed origin, never *, with Vary: Origin and credentials when asked', async () => {
    const { url } = await serve({ cors: { origins: ['https://App.example.com/'], credentials: true } });
    const client = await connect(`${url}/events`, { origin: APP });
    await client.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
    expect(stable(client.headers)).toEqual({
      vary: 'Origin',
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      ...STREAM_HEADERS,
    });
  });

  it('answers 403 before the stream to an origin not allowed', async () => {
    const { hub, url } = await serve({ cors: { origins: [APP] } });
    const answer = await request(`${url}/events`, { headers: { origin: 'https://evil.example' } });
    expect(answer.status).toBe(403);
    expect(stable(answer.headers)).toEqual({
      vary: 'Origin',
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(answer.text.length),
      // The test client sends `Connection: close`.
      connection: 'close',
    });
    expect(answer.text).toBe('{"error":"ssekit: this origin may not read event streams here."}');
    expect(hub.stats().connections).toBe(0);
  });

  it('serves a request without Origin (same-origin) with no Access-Control header', async () => {
    const { url } = await serve({ cors: { origins: [APP], credentials: true } });
    const client = await connect(`${url}/events`);
    expect(client.status).toBe(200);
    expect(stable(client.headers)).toEqual({ vary: 'Origin', ...STREAM_HEADERS });
  });

  it('takes a function deciding per origin, and keeps the headers on refusals the page may read', async () => {
    const { url } = await serve({ cors: { origins: (origin) => origin.endsWith('.example.com') } });
    const allowed = await connect(`${url}/events`, { origin: APP });
    expect(allowed.headers['access-control-allow-origin']).toBe(APP);
    expect(allowed.headers['access-control-allow-credentials']).toBe(undefined);
    const badTopic = await request(`${url}/events?topic=a%20b`, { headers: { origin: APP } });
    expect(badTopic.status).toBe(400);
    expect(badTopic.headers['access-control-allow-origin']).toBe(APP);
    const refused = await request(`${url}/events`, { headers: { origin: 'https://example.org' } });
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBe(undefined);
  });

  it('answers an OPTIONS preflight for an allowed origin with 204, and 403 for another', async () => {
    const { hub, url } = await serve({ cors: { origins: [APP], credentials: true, maxAgeSeconds: 120 } });
    const preflight = await request(`${url}/events`, {
      method: 'OPTIONS',
      headers: {
        origin: APP,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'last-event-id',
      },
    });
    expect(preflight.status).toBe(204);
    expect(stable(preflight.headers)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET',
      'access-control-allow-headers': 'Last-Event-ID, Cache-Control',
      'access-control-max-age': '120',
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
      'content-length': '0',
      // The test client sends `Connection: close`.
      connection: 'close',
    });
    expect(preflight.text).toBe('');
    const other = await request(`${url}/events`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(other.status).toBe(403);
    expect(other.text).toBe('{"error":"ssekit: this origin may not read event streams here."}');
    expect(hub.stats().connections).toBe(0);
  });

  it('refuses at creation a wildcard with credentials and an entry that is not an origin', () => {
    const hub = createHub();
    cleanups.push(() => hub.close());
    const wildcard = (): unknown => createSseHandler(hub, { cors: { origins: ['*'], credentials: true } });
    expect(wildcard).toThrow(SsekitError);
    expect(wildcard).toThrow(
      "ssekit: `cors.origins: ['*']` with `credentials: true` would let every site read your users' streams; list the origins.",
    );
    expect(() => createSseHandler(hub, { cors: { origins: ['https://app.example.com/path'] } })).toThrow(
      `ssekit: \`cors.origins\` entries are origins like 'https://app.example.com'; got "https://app.example.com/path".`,
    );
    expect(() => createSseHandler(hub, { cors: { origins: ['app.example.com'] } })).toThrow(SsekitError);
  });

  it('allows every origin with a wildcard and no credentials, still naming the origin', async () => {
    const { url } = await serve({ cors: { origins: ['*'] } });
    const client = await connect(`${url}/events`, { origin: 'https://anywhere.example' });
    expect(client.headers['access-control-allow-origin']).toBe('https://anywhere.example');
    expect(client.headers['access-control-allow-credentials']).toBe(undefined);
  });
});

describe('connection limits', () => {
  const LIMITED = ': too many connections, retry later\n';

  it('tells a client over the per-client limit to retry later, in a 200 EventSource honours, by default', async () => {
    const { hub, url } = await serve({}, { maxConnectionsPerClient: 1 });
    const first = await connect(`${url}/events`);
    await first.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
    const second = await connect(`${url}/events`);
    await second.ended;
    expect(second.status).toBe(200);
    expect(second.completed).toBe(true);
    const { 'content-length': length, ...headers } = stable(second.headers);
    // A whole answer: a length instead of chunks.
    expect({ ...headers, 'transfer-encoding': 'chunked' }).toEqual(STREAM_HEADERS);
    expect(headers['transfer-encoding']).toBe(undefined);
    expect(second.retries).toHaveLength(1);
    const hint = second.retries[0] as number;
    expect(hint).toBeGreaterThanOrEqual(30_000);
    expect(hint).toBeLessThanOrEqual(45_000);
    expect(second.raw).toBe(`${LIMITED}retry: ${hint}\n\n`);
    expect(length).toBe(String(second.raw.length));
    expect(hub.stats()).toMatchObject({ connections: 1, rejected: 1 });
    // The slot comes back when the first client leaves.
    first.close();
    await until(() => hub.stats().connections === 0, 'the first stream to end');
    const third = await connect(`${url}/events`);
    await third.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
    expect(hub.stats()).toMatchObject({ connections: 1, rejected: 1 });
  });

  it('uses limitRetryMs, plus up to half as much again', async () => {
    const { url } = await serve({ limitRetryMs: 1000 }, { maxConnections: 1 });
    const first = await connect(`${url}/events`);
    await first.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
    const hints: number[] = [];
    for (let n = 0; n < 5; n++) {
      const refused = await connect(`${url}/events`);
      await refused.ended;
      const hint = refused.retries[0] as number;
      expect(refused.raw).toBe(`${LIMITED}retry: ${hint}\n\n`);
      hints.push(hint);
    }
    for (const hint of hints) {
      expect(hint).toBeGreaterThanOrEqual(1000);
      expect(hint).toBeLessThanOrEqual(1500);
    }
  });

  it('refuses a limitRetryMs that is not a non-negative integer when the handler is created', () => {
    const hub = createHub();
    cleanups.push(() => hub.close());
    for (const limitRetryMs of [-1, 1.5, Number.NaN]) {
      expect(() => createSseHandler(hub, { limitRetryMs })).toThrow(
        'ssekit: `limitRetryMs` must be a non-negative integer of milliseconds.',
      );
    }
  });

  it('answers 429 with Retry-After and a JSON error when limitResponse is 429', async () => {
    const { hub, url } = await serve({ limitResponse: 429, limitRetryMs: 10_000 }, { maxConnections: 1 });
    const first = await connect(`${url}/events`);
    await first.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
    const answer = await request(`${url}/events`);
    expect(answer.status).toBe(429);
    const retryAfter = Number(answer.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(10);
    expect(retryAfter).toBeLessThanOrEqual(15);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.text).toBe('{"error":"ssekit: the server is at its connection limit; retry later."}');
    expect(hub.stats()).toMatchObject({ connections: 1, rejected: 1 });
  });

  it('keys clients by remote address by default, or by clientKey', async () => {
    const byHeader = await serve(
      { clientKey: (req) => req.headers['x-user'] as string | undefined },
      { maxConnectionsPerClient: 1 },
    );
    const ada = await connect(`${byHeader.url}/events`, { 'x-user': 'ada' });
    const bob = await connect(`${byHeader.url}/events`, { 'x-user': 'bob' });
    await ada.waitFor((c) => c.raw === RETRY, 5000, 'ada');
    await bob.waitFor((c) => c.raw === RETRY, 5000, 'bob');
    const adaAgain = await connect(`${byHeader.url}/events`, { 'x-user': 'ada' });
    await adaAgain.ended;
    expect(adaAgain.retries).toHaveLength(1);
    expect(byHeader.hub.stats()).toMatchObject({ connections: 2, rejected: 1 });

    const seen: (string | undefined)[] = [];
    const byAddress = await serve({}, { maxConnectionsPerClient: 2 });
    const server = http.createServer((req, res) => {
      seen.push(req.socket.remoteAddress);
      void startStream(byAddress.hub, req, res).catch((err: unknown) => {
        sendRefusal(req, res, err, { limitResponse: 429 });
      });
    });
    const listening = await listen(server);
    cleanups.push(() => listening.close());
    const streams = [await connect(`${listening.url}/events`), await connect(`${listening.url}/events`)];
    await Promise.all(streams.map((client) => client.waitFor((c) => c.raw === RETRY, 5000, 'the retry line')));
    const third = await request(`${listening.url}/events`);
    expect(third.status).toBe(429);
    expect(seen).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });
});

describe('authorize and onError', () => {
  it('ignores topics authorize returns that the client did not ask for', async () => {
    const { hub, url } = await serve({ authorize: () => ['news', 'user:ada', 'admin'] });
    const client = await connect(`${url}/events?topic=news&topic=sports`);
    await client.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
    expect(hub.stats().topics).toEqual({ news: 1 });
    await hub.publish('admin', { data: 'not asked for' });
    const { id } = await hub.publish('news', { data: 'asked and allowed' });
    await client.waitFor((c) => c.raw === `${RETRY}id: ${id}\ndata: asked and allowed\n\n`, 5000, 'the news event');
  });

  it('replays history only on the topics authorize allowed', async () => {
    const { hub, url } = await serve({ authorize: (_req, topics) => topics.filter((topic) => topic !== 'secret') });
    const start = await hub.publish('public', { data: 'before' });
    await hub.publish('secret', { data: 'private history' });
    const shown = await hub.publish('public', { data: 'missed' });
    const client = await SseClient.connect(`${url}/events?topic=public&topic=secret`, { lastEventId: start.id });
    cleanups.push(() => {
      client.close();
    });
    await client.waitFor((c) => c.raw === `${RETRY}id: ${shown.id}\ndata: missed\n\n`, 5000, 'the public replay');
  });

  it('reports 5xx failures to onError with the request, not refusals, and still answers', async () => {
    const reported: [unknown, string | undefined][] = [];
    const boom = new Error('database down');
    const { url } = await serve({
      authorize: (req) => {
        if (req.url === '/crash') throw boom;
        throw new SsekitError('forbidden', 'ssekit: no.');
      },
      onError: (err, req: NodeRequest) => {
        reported.push([err, req.url]);
        throw new Error('the reporter failed too');
      },
    });
    const crashed = await request(`${url}/crash`);
    expect(crashed.status).toBe(500);
    expect(crashed.text).toBe('{"error":"ssekit: internal error"}');
    const refused = await request(`${url}/events`);
    expect(refused.status).toBe(403);
    expect(reported).toEqual([[boom, '/crash']]);
  });
});

describe('over HTTP/2', () => {
  it('answers a request over the limit with the retry answer and CORS headers, with no hop-by-hop header', async () => {
    const hub = createHub({ heartbeatMs: 0, maxConnections: 1 });
    const listening = await listen(
      http2.createServer(createSseHandler(hub, { cors: { origins: [APP] }, limitRetryMs: 2000 })),
    );
    const session = await connectH2(listening.url);
    cleanups.push(async () => {
      session.destroy();
      await hub.close();
      await listening.close();
    });
    const open = new H2Stream(session, '/events', { origin: APP });
    await open.waitFor((s) => s.raw === RETRY, 'the retry line');
    const refused = new H2Stream(session, '/events', { origin: APP });
    await refused.waitFor((s) => s.ended, 'the end of the refused stream');
    const hint = Number(/retry: (\d+)\n\n$/.exec(refused.raw)?.[1]);
    expect(hint).toBeGreaterThanOrEqual(2000);
    expect(hint).toBeLessThanOrEqual(3000);
    expect(refused.raw).toBe(`: too many connections, retry later\nretry: ${hint}\n\n`);
    const { date, ...headers } = refused.headers;
    expect(typeof date).toBe('string');
    expect(Object.fromEntries(Object.entries(headers))).toEqual({
      ':status': 200,
      vary: 'Origin',
      'access-control-allow-origin': APP,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'content-length': String(refused.raw.length),
    });
    expect(hub.stats()).toMatchObject({ connections: 1, rejected: 1 });
  });
});
