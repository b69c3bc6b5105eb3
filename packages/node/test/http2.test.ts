import http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { Hub, SseStream } from '@ssekit/core';
import { RETRY, eventually, testHub } from '@ssekit/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createSseHandler, openStream } from '../src/index.js';
import type { SseHandlerOptions } from '../src/index.js';
import { H2Stream, connectH2 } from './support/h2-client.js';
import { listen, selfSignedCertificate } from './support/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const APP = 'https://app.example.com';

/** Response headers as the contract wants them on HTTP/2: no connection-specific ones. */
function expectContractHeaders(headers: http2.IncomingHttpHeaders): void {
  const { date, ...rest } = headers;
  expect(typeof date).toBe('string');
  // Object.entries leaves out Node's symbol-keyed bookkeeping (sensitiveHeaders).
  expect(Object.fromEntries(Object.entries(rest))).toEqual({
    ':status': 200,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
  });
}

/** Node keeps the state of setNoDelay in a private symbol (no public getter in Node 20). */
function noDelayOf(socket: Socket): unknown {
  const key = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'kSetNoDelay');
  expect(key, 'Node’s kSetNoDelay symbol').toBeDefined();
  return (socket as unknown as Record<symbol, unknown>)[key as symbol];
}

async function h2c(
  options: Omit<SseHandlerOptions, 'hub'> = {},
  hub: Hub = testHub(),
): Promise<{ hub: Hub; session: http2.ClientHttp2Session; server: http2.Http2Server }> {
  const server = http2.createServer(createSseHandler({ hub, ...options }));
  const listening = await listen(server);
  const session = await connectH2(listening.url);
  cleanups.push(async () => {
    session.destroy();
    await listening.close();
  });
  return { hub, session, server };
}

describe('createSseHandler on http2.createServer (h2c)', () => {
  it('answers 200 with no connection, keep-alive or transfer-encoding header', async () => {
    const { session } = await h2c({ headers: { Connection: 'close', 'Keep-Alive': 'timeout=5', 'X-Extra': 'yes' } });
    const stream = new H2Stream(session, '/events');
    await stream.waitFor((s) => s.status !== 0, 'the response headers');
    const { 'x-extra': extra, ...headers } = stream.headers;
    expect(extra).toBe('yes');
    expectContractHeaders(headers);
  });

  it('flushes the retry hint at once, then delivers events as they are published', async () => {
    const { hub, session } = await h2c();
    const stream = new H2Stream(session, '/events?topic=a&topic=b');
    await stream.waitFor((s) => s.raw === RETRY, 'the retry line');
    expect(hub.stats().topics).toEqual({ a: 1, b: 1 });
    let expected = RETRY;
    for (const topic of ['a', 'b', 'a']) {
      const { id } = await hub.publish(topic, { event: 'note', data: `on ${topic}\nsecond line` });
      expected += `id: ${id}\nevent: note\ndata: on ${topic}\ndata: second line\n\n`;
      await stream.waitFor((s) => s.raw === expected, `the event on ${topic}`);
    }
    expect(stream.ended).toBe(false);
  });

  it('unregisters the subscription when the client cancels its stream, leaving the others on the session', async () => {
    const { hub, session } = await h2c();
    const first = new H2Stream(session, '/events');
    const second = new H2Stream(session, '/events');
    await eventually(() => hub.stats().connections === 2, 'two streams on one session');
    first.cancel();
    await eventually(() => hub.stats().connections === 1, 'the cancelled stream to be unregistered');
    await second.waitFor((s) => s.raw === RETRY, 'the retry line');
    const { id } = await hub.publish('default', { data: 'still here' });
    await second.waitFor((s) => s.raw === `${RETRY}id: ${id}\ndata: still here\n\n`, 'the event');
    session.destroy();
    await eventually(() => hub.stats().connections === 0, 'the session’s streams to be unregistered');
  });

  it('answers refusals with their status and a JSON body', async () => {
    const { hub, session } = await h2c();
    const stream = new H2Stream(session, '/events?topic=bad%20topic');
    await stream.waitFor((s) => s.ended, 'the refusal');
    expect(stream.status).toBe(400);
    expect(stream.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(stream.raw)).toEqual({ error: expect.stringMatching(/^ssekit: a topic must be/) as unknown });
    expect(hub.stats().connections).toBe(0);
  });

  it('ends the streams cleanly when the hub closes', async () => {
    const { hub, session } = await h2c();
    const stream = new H2Stream(session, '/events');
    await stream.waitFor((s) => s.raw === RETRY, 'the retry line');
    await hub.close({ retry: 10_000 });
    await stream.waitFor((s) => s.ended, 'the end of the stream');
    expect(stream.raw).toBe(`${RETRY}retry: 10000\n`);
  });

  it('evicts a stream whose client stops reading, without blocking the other streams of the session', async () => {
    const budget = 128 * 1024;
    const { hub, session } = await h2c({}, testHub({ writeTimeoutMs: 0, maxBufferedBytes: budget, replaySize: 4 }));
    const stalled = new H2Stream(session, '/events');
    const reading = new H2Stream(session, '/events');
    await eventually(() => hub.stats().connections === 2, 'two streams');
    await stalled.waitFor((s) => s.raw === RETRY, 'the retry line');
    stalled.stream.pause();
    const payload = 'y'.repeat(8 * 1024);
    let published = 0;
    while (hub.stats().evicted === 0) {
      expect(published, 'events published before the eviction').toBeLessThan(2000);
      await hub.publish('default', { data: payload });
      published++;
      const count = published;
      await reading.waitFor((s) => s.raw.split('\n\n').length - 1 === count, `event ${count} on the reading stream`);
    }
    expect(hub.stats().connections).toBe(1);
    // The server reset the stream; a paused client only notices once it reads again.
    stalled.stream.resume();
    await stalled.waitFor((s) => s.ended, 'the evicted stream to be reset');
    expect(stalled.raw.split('\n\n').length - 1).toBeLessThan(published);
  });

  it('runs on a session socket with Nagle off (Node’s http2 servers do it; the compat API forbids touching it)', async () => {
    const hub = testHub();
    const server = http2.createServer(createSseHandler({ hub }));
    const sockets: Socket[] = [];
    server.on('connection', (socket: Socket) => sockets.push(socket));
    const listening = await listen(server);
    const session = await connectH2(listening.url);
    cleanups.push(async () => {
      session.destroy();
      await listening.close();
    });
    const stream = new H2Stream(session, '/events');
    await stream.waitFor((s) => s.raw === RETRY, 'the retry line');
    expect(noDelayOf(sockets[0] as Socket)).toBe(true);
  });
  it('answers a request over the limit with the retry answer and CORS headers, with no hop-by-hop header', async () => {
    const { hub, session } = await h2c(
      { cors: { origins: [APP] }, limitRetryMs: 2000 },
      testHub({ maxConnections: 1 }),
    );
    const open = new H2Stream(session, '/events', { origin: APP });
    await open.waitFor((s) => s.raw === RETRY, 'the retry line');
    const refused = new H2Stream(session, '/events', { origin: APP });
    await refused.waitFor((s) => s.ended, 'the end of the refused stream');
    const hint = Number(/retry: (\d+)\n$/.exec(refused.raw)?.[1]);
    expect(hint).toBeGreaterThanOrEqual(2000);
    expect(hint).toBeLessThanOrEqual(3000);
    expect(refused.raw).toBe(`: too many connections, retry later\nretry: ${hint}\n`);
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

describe('openStream on HTTP/2', () => {
  it('streams and aborts its signal with reason client when the client cancels', async () => {
    const streams: SseStream[] = [];
    const server = http2.createServer((req, res) => {
      const stream = openStream(req, res, { retry: 2000, heartbeatMs: 0 });
      stream.send({ id: 'a1', data: 'hello' });
      streams.push(stream);
    });
    const listening = await listen(server);
    const session = await connectH2(listening.url);
    cleanups.push(async () => {
      session.destroy();
      await listening.close();
    });
    const client = new H2Stream(session, '/ticks');
    await client.waitFor((s) => s.raw === 'retry: 2000\nid: a1\ndata: hello\n\n', 'the first event');
    expectContractHeaders(client.headers);
    client.cancel();
    await eventually(() => streams[0]?.signal.aborted === true, 'the signal to abort');
    expect(streams[0]?.signal.reason).toBe('client');
  });
});

describe('createSseHandler on http2.createSecureServer', () => {
  const certificate = selfSignedCertificate();

  it('streams over TLS with a throwaway self-signed certificate', async (context) => {
    if ('missing' in certificate) {
      // Not a silent skip: the reason is printed and recorded as the skip note.
      const reason = `the HTTP/2 TLS case needs the openssl command line to make a throwaway certificate (${certificate.missing})`;
      console.warn(`ssekit: skipping: ${reason}`);
      context.skip(reason);
      return;
    }
    const hub = testHub();
    // noDelay as the README advises: Node leaves Nagle on for TLS sessions, and a handler cannot
    // reach the session's socket to turn it off.
    const server = http2.createSecureServer(
      { key: certificate.key, cert: certificate.cert, noDelay: true },
      createSseHandler({ hub }),
    );
    const sockets: Socket[] = [];
    server.on('connection', (socket: Socket) => sockets.push(socket));
    const listening = await listen(server, 'https');
    const session = await connectH2(listening.url, { ca: certificate.cert });
    cleanups.push(async () => {
      session.destroy();
      await listening.close();
    });
    expect(session.alpnProtocol).toBe('h2');
    const stream = new H2Stream(session, '/events');
    await stream.waitFor((s) => s.raw === RETRY, 'the retry line');
    expectContractHeaders(stream.headers);
    const { id } = await hub.publish('default', { data: 'secure' });
    await stream.waitFor((s) => s.raw === `${RETRY}id: ${id}\ndata: secure\n\n`, 'the event');
    expect(noDelayOf(sockets[0] as Socket)).toBe(true);
    stream.cancel();
    await eventually(() => hub.stats().connections === 0, 'the stream to be unregistered');
  });
});
