import http from 'node:http';
import type { Socket } from 'node:net';
import { SsekitError, assertTopic, createHub, parseLastEventId } from '@ssekit/core';
import type { Hub, HubOptions } from '@ssekit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from '../../testkit/src/http.js';
import { SseClient } from '../../testkit/src/sse-client.js';
import { createSseHandler, startStream } from '../src/index.js';
import type { SseHandlerOptions } from '../src/index.js';
import { listen, until } from './support/servers.js';
import type { Listening } from './support/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(
  options: SseHandlerOptions = {},
  hubOptions: HubOptions = {},
): Promise<{ hub: Hub; server: http.Server; url: string }> {
  const hub = createHub({ heartbeatMs: 0, ...hubOptions });
  const server = http.createServer(createSseHandler(hub, options));
  const listening = await track(listen(server));
  cleanups.push(() => hub.close());
  return { hub, server, url: listening.url };
}

async function track(listening: Promise<Listening>): Promise<Listening> {
  const running = await listening;
  cleanups.push(() => running.close());
  return running;
}

async function connect(url: string, options: Parameters<typeof SseClient.connect>[1] = {}): Promise<SseClient> {
  const client = await SseClient.connect(url, options);
  cleanups.push(() => {
    client.close();
  });
  return client;
}

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (err instanceof SsekitError) return err.message;
  }
  throw new Error('expected an SsekitError');
}

const RETRY = 'retry: 3000\n\n';

describe('createSseHandler on http.createServer', () => {
  it('answers 200 with exactly the contract headers, Connection: keep-alive on HTTP/1.1', async () => {
    const { url } = await serve();
    const client = await connect(`${url}/events`);
    expect(client.status).toBe(200);
    const { date, ...headers } = client.headers;
    expect(typeof date).toBe('string');
    expect(headers).toEqual({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
      'transfer-encoding': 'chunked',
    });
  });

  it('lets extra headers add to the contract ones but never replace them, whatever their case', async () => {
    const { url } = await serve({
      headers: { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain', Connection: 'close' },
    });
    const client = await connect(`${url}/events`);
    const { date, ...headers } = client.headers;
    expect(typeof date).toBe('string');
    expect(headers).toEqual({
      'access-control-allow-origin': '*',
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
      'transfer-encoding': 'chunked',
    });
  });

  it('flushes the retry hint at once, as the first bytes, with nothing published', async () => {
    const { url } = await serve();
    const client = await connect(`${url}/events`);
    await client.waitFor((c) => c.raw.length > 0, 5000, 'the first bytes');
    expect(client.raw).toBe(RETRY);
    expect(client.bytes[0]?.toString('utf8')).toBe(RETRY);
  });

  it('sends the headers at once when the hub sends no retry hint', async () => {
    const { hub, url } = await serve({}, { retry: undefined });
    const client = await connect(`${url}/events`);
    expect(client.status).toBe(200);
    expect(client.raw).toBe('');
    await until(() => hub.stats().connections === 1, 'the stream');
    const { id } = await hub.publish('default', { data: 'first' });
    await client.waitFor((c) => c.raw === `id: ${id}\ndata: first\n\n`, 5000, 'the first event');
  });

  it('sends the retry hint of the retry option', async () => {
    const { url } = await serve({ retry: 1500 });
    const client = await connect(`${url}/events`);
    await client.waitFor((c) => c.raw.length > 0, 5000, 'the first bytes');
    expect(client.raw).toBe('retry: 1500\n\n');
  });

  it('delivers each event as it is published while the connection stays open', async () => {
    const { hub, url } = await serve();
    const client = await connect(`${url}/events`);
    await client.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
    let expected = RETRY;
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      const { id, delivered } = await hub.publish('default', { event: 'tick', data: { n } });
      expect(delivered).toBe(1);
      ids.push(id);
      expected += `id: ${id}\nevent: tick\ndata: {"n":${n}}\n\n`;
      await client.waitFor((c) => c.raw === expected, 5000, `event ${n}`);
      expect(client.isEnded).toBe(false);
    }
    expect(client.events).toEqual([
      { event: 'tick', data: '{"n":0}', id: ids[0] },
      { event: 'tick', data: '{"n":1}', id: ids[1] },
      { event: 'tick', data: '{"n":2}', id: ids[2] },
    ]);
  });

  it('subscribes to every ?topic= parameter, and to `default` without one', async () => {
    const { hub, url } = await serve();
    const both = await connect(`${url}/events?topic=a&topic=b`);
    const plain = await connect(`${url}/events`);
    await until(() => hub.stats().connections === 2, 'two streams');
    expect(hub.stats().topics).toEqual({ a: 1, b: 1, default: 1 });
    await hub.publish('c', { data: 'not for anyone' });
    const a = await hub.publish('a', { data: 'on a' });
    const d = await hub.publish('default', { data: 'on default' });
    const b = await hub.publish('b', { data: 'on b' });
    const expected = `${RETRY}id: ${a.id}\ndata: on a\n\nid: ${b.id}\ndata: on b\n\n`;
    await both.waitFor((c) => c.raw === expected, 5000, 'a then b');
    await plain.waitFor((c) => c.raw === `${RETRY}id: ${d.id}\ndata: on default\n\n`, 5000, 'the default event');
  });

  it('takes the topics from the topics option', async () => {
    const { hub, url } = await serve({ topics: (_req, reqUrl) => [reqUrl.pathname.slice(1)] });
    const client = await connect(`${url}/news?topic=ignored`);
    await until(() => hub.stats().connections === 1, 'the stream');
    expect(hub.stats().topics).toEqual({ news: 1 });
    const { id } = await hub.publish('news', { data: 'extra' });
    await client.waitFor((c) => c.raw === `${RETRY}id: ${id}\ndata: extra\n\n`, 5000, 'the news event');
  });

  it('lets authorize narrow the topics', async () => {
    const seen: string[][] = [];
    const { hub, url } = await serve({
      authorize: (_req, topics) => {
        seen.push([...topics]);
        return topics.filter((topic) => topic !== 'secret');
      },
    });
    const client = await connect(`${url}/events?topic=public&topic=secret`);
    await until(() => hub.stats().connections === 1, 'the stream');
    expect(seen).toEqual([['public', 'secret']]);
    expect(hub.stats().topics).toEqual({ public: 1 });
    await hub.publish('secret', { data: 'hidden' });
    const { id } = await hub.publish('public', { data: 'shown' });
    await client.waitFor((c) => c.raw === `${RETRY}id: ${id}\ndata: shown\n\n`, 5000, 'the public event');
  });

  it('answers 403 with a JSON error and no stream byte when authorize refuses', async () => {
    const { hub, url } = await serve({
      authorize: async (req) => {
        await Promise.resolve();
        if (req.headers.authorization !== 'Bearer ok') {
          throw new SsekitError('forbidden', 'ssekit: sign in to read these topics.');
        }
        return ['default'];
      },
    });
    const answer = await request(`${url}/events`);
    expect(answer.status).toBe(403);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.text).toBe('{"error":"ssekit: sign in to read these topics."}');
    expect(hub.stats().connections).toBe(0);
    const allowed = await connect(`${url}/events`, { headers: { authorization: 'Bearer ok' } });
    expect(allowed.status).toBe(200);
  });

  it('answers 403 when authorize leaves no topic', async () => {
    const { hub, url } = await serve({ authorize: () => [] });
    const answer = await request(`${url}/events?topic=a`);
    expect(answer.status).toBe(403);
    expect(answer.text).toBe('{"error":"ssekit: no topic of this request may be received."}');
    expect(hub.stats().connections).toBe(0);
  });

  it('answers with the status of any error authorize throws, hiding 5xx messages', async () => {
    const refusal = Object.assign(new Error('ssekit: log in first.'), { status: 401 });
    const { url } = await serve({
      authorize: (req) => {
        if (req.url === '/crash') throw new Error('database password is hunter2');
        throw refusal;
      },
    });
    const unauthorized = await request(`${url}/events`);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.text).toBe('{"error":"ssekit: log in first."}');
    const crashed = await request(`${url}/crash`);
    expect(crashed.status).toBe(500);
    expect(crashed.text).toBe('{"error":"ssekit: internal error"}');
  });

  it('answers 400 to a bad ?topic= before any stream byte', async () => {
    const { hub, url } = await serve();
    const expected = JSON.stringify({ error: messageOf(() => assertTopic('no spaces')) });
    for (const query of ['?topic=no%20spaces', '?topic=a&topic=', `?topic=${'x'.repeat(129)}`]) {
      const answer = await request(`${url}/events${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(answer.text, query).toBe(expected);
    }
    expect(hub.stats().connections).toBe(0);
  });

  it('answers 400 to a topic resolver or authorize returning a bad topic, before any stream byte', async () => {
    const expected = JSON.stringify({ error: messageOf(() => assertTopic('bad topic')) });
    const fromResolver = await serve({ topics: () => ['bad topic'] });
    const first = await request(`${fromResolver.url}/events`);
    expect(first.status).toBe(400);
    expect(first.text).toBe(expected);
    const fromAuthorize = await serve({ authorize: () => ['bad topic'] });
    const second = await request(`${fromAuthorize.url}/events`);
    expect(second.status).toBe(400);
    expect(second.text).toBe(expected);
    expect(fromResolver.hub.stats().connections + fromAuthorize.hub.stats().connections).toBe(0);
  });

  it('answers 400 to a bad Last-Event-ID header or ?lastEventId= before any stream byte', async () => {
    const { hub, url } = await serve();
    const expected = JSON.stringify({ error: messageOf(() => parseLastEventId('bad id')) });
    const header = await request(`${url}/events`, { headers: { 'last-event-id': 'bad id' } });
    expect(header.status).toBe(400);
    expect(header.text).toBe(expected);
    const tooLong = await request(`${url}/events`, { headers: { 'last-event-id': '1'.repeat(129) } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toBe(expected);
    const query = await request(`${url}/events?lastEventId=${encodeURIComponent('a\nb')}`);
    expect(query.status).toBe(400);
    expect(query.text).toBe(expected);
    expect(hub.stats().connections).toBe(0);
  });

  it('resumes from the Last-Event-ID header or ?lastEventId=', async () => {
    const { hub, url } = await serve();
    const first = await hub.publish('default', { data: 'one' });
    const second = await hub.publish('default', { data: 'two' });
    const expected = `${RETRY}id: ${second.id}\ndata: two\n\n`;
    const byHeader = await connect(`${url}/events`, { lastEventId: first.id });
    await byHeader.waitFor((c) => c.raw === expected, 5000, 'the replayed event');
    const byQuery = await connect(`${url}/events?lastEventId=${first.id}`);
    await byQuery.waitFor((c) => c.raw === expected, 5000, 'the replayed event');
  });

  it('refuses with headers_sent when something already wrote, and ends that response', async () => {
    const hub = createHub({ heartbeatMs: 0 });
    cleanups.push(() => hub.close());
    const handler = createSseHandler(hub);
    const errors: unknown[] = [];
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('already started');
      if (req.url === '/direct') {
        startStream(hub, req, res).then(
          () => res.end(),
          (err: unknown) => {
            errors.push(err);
            res.end();
          },
        );
      } else {
        handler(req, res);
      }
    });
    const { url } = await track(listen(server));
    const viaHandler = await request(`${url}/events`);
    expect(viaHandler.status).toBe(200);
    expect(viaHandler.text).toBe('already started');
    const direct = await request(`${url}/direct`);
    expect(direct.text).toBe('already started');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SsekitError);
    expect((errors[0] as SsekitError).code).toBe('headers_sent');
    expect(hub.stats().connections).toBe(0);
  });

  it('answers 503 once the hub is closed', async () => {
    const { hub, url } = await serve();
    await hub.close();
    const answer = await request(`${url}/events`);
    expect(answer.status).toBe(503);
    expect(answer.text).toBe('{"error":"ssekit: the server is shutting down; reconnect later."}');
  });

  it('ends open streams cleanly when the hub closes', async () => {
    const { hub, url } = await serve();
    const client = await connect(`${url}/events`);
    await client.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
    await hub.close({ event: { event: 'bye', data: '' } });
    await client.ended;
    expect(client.completed).toBe(true);
    expect(client.raw).toBe(`${RETRY}event: bye\ndata: \n\n`);
  });

  it('unregisters the stream as soon as the client goes away', async () => {
    const { hub, url } = await serve();
    const client = await connect(`${url}/events?topic=x`);
    await until(() => hub.stats().connections === 1, 'the stream');
    client.close();
    await until(() => hub.stats().connections === 0, 'the stream to be unregistered');
    expect(hub.stats().topics).toEqual({});
  });

  it('turns off Nagle on the socket (read from Node’s own flag, on a server created with noDelay: false)', async () => {
    const hub = createHub({ heartbeatMs: 0 });
    cleanups.push(() => hub.close());
    const server = http.createServer({ noDelay: false }, createSseHandler(hub));
    const sockets: Socket[] = [];
    server.on('connection', (socket) => sockets.push(socket));
    const { url } = await track(listen(server));
    // Node keeps the state of setNoDelay in a private symbol (no public getter in Node 20).
    const noDelayOf = (socket: Socket): unknown => {
      const key = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'kSetNoDelay');
      expect(key, 'Node’s kSetNoDelay symbol').toBeDefined();
      return (socket as unknown as Record<symbol, unknown>)[key as symbol];
    };
    const client = await connect(`${url}/events`);
    await client.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
    expect(sockets).toHaveLength(1);
    expect(noDelayOf(sockets[0] as Socket)).toBe(true);
    // A plain request on the same kind of server keeps Nagle on: the flag is ssekit's doing.
    const other = http.createServer({ noDelay: false }, (_req, res) => res.end('ok'));
    const plainSockets: Socket[] = [];
    other.on('connection', (socket) => plainSockets.push(socket));
    const otherListening = await track(listen(other));
    await request(otherListening.url);
    expect(noDelayOf(plainSockets[0] as Socket)).toBe(false);
  });
});
