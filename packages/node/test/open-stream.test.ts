import http from 'node:http';
import type { SseStream } from '@ssekit/core';
import { SsekitError } from '@ssekit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { SseClient, eventually, request } from '@ssekit/testkit';
import { openStream } from '../src/index.js';
import type { OpenStreamOptions } from '../src/index.js';
import { listen } from './support/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server whose every request becomes an openStream; `streams` collects them. */
async function serveStreams(
  options: OpenStreamOptions,
  onStream: (stream: SseStream, req: http.IncomingMessage) => void = () => undefined,
): Promise<{ url: string; streams: SseStream[] }> {
  const streams: SseStream[] = [];
  const server = http.createServer((req, res) => {
    const stream = openStream(req, res, options);
    streams.push(stream);
    onStream(stream, req);
  });
  const listening = await listen(server);
  cleanups.push(async () => {
    for (const stream of streams) await stream.close();
    await listening.close();
  });
  return { url: listening.url, streams };
}

async function connect(url: string): Promise<SseClient> {
  const client = await SseClient.connect(url);
  cleanups.push(() => {
    client.close();
  });
  return client;
}

describe('openStream', () => {
  it('runs the seeds’ tick example in five lines', async () => {
    const streams: SseStream[] = [];
    const server = http.createServer((req, res) => {
      const stream = openStream(req, res, { retry: 1000 });
      let n = 0;
      const timer = setInterval(() => stream.send({ id: String(n), data: `tick ${n++}` }), 20);
      stream.signal.addEventListener('abort', () => clearInterval(timer));
      streams.push(stream);
    });
    const listening = await listen(server);
    cleanups.push(() => listening.close());
    const client = await connect(listening.url);
    await client.waitForEvents(3);
    const expected = 'retry: 1000\nid: 0\ndata: tick 0\n\nid: 1\ndata: tick 1\n\nid: 2\ndata: tick 2\n\n';
    expect(client.raw.slice(0, expected.length)).toBe(expected);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    client.close();
    await eventually(() => streams[0]?.signal.aborted === true, 'the stream to end');
    expect(streams[0]?.signal.reason).toBe('client');
  });

  it('writes send() and comment() byte-exact, in order', async () => {
    const { url } = await serveStreams({ heartbeatMs: 0 }, (stream) => {
      stream.send({ event: 'update', id: '7', data: 'a\r\nb\rc\nd' });
      stream.send({ data: { x: 1, s: 'é' } });
      stream.comment('hi\nthere');
      stream.comment();
      stream.send({ retry: 500 });
      stream.send({ data: '' });
    });
    const client = await connect(url);
    const expected =
      'event: update\nid: 7\ndata: a\ndata: b\ndata: c\ndata: d\n\n' +
      'data: {"x":1,"s":"é"}\n\n' +
      ': hi\n: there\n' +
      ':\n' +
      'retry: 500\n\n' +
      'data: \n\n';
    await client.waitFor((c) => c.raw.length >= expected.length, 5000, 'every write');
    expect(client.raw).toBe(expected);
    expect(client.events).toEqual([
      { event: 'update', data: 'a\nb\nc\nd', id: '7' },
      { event: undefined, data: '{"x":1,"s":"é"}', id: undefined },
      { event: undefined, data: '', id: undefined },
    ]);
  });

  it('sends the headers at once even with no retry hint and nothing written', async () => {
    const { url } = await serveStreams({ heartbeatMs: 0 });
    const client = await connect(url);
    expect(client.status).toBe(200);
    expect(client.raw).toBe('');
  });

  it('refuses a response that already started, and a bad retry, before writing', async () => {
    const errors: unknown[] = [];
    const server = http.createServer((req, res) => {
      if (req.url === '/retry') {
        try {
          openStream(req, res, { retry: -1 });
        } catch (err) {
          errors.push(err);
        }
        res.end('not a stream');
        return;
      }
      res.write('started');
      try {
        openStream(req, res);
      } catch (err) {
        errors.push(err);
      }
      res.end();
    });
    const listening = await listen(server);
    cleanups.push(() => listening.close());
    const started = await request(`${listening.url}/started`);
    expect(started.text).toBe('started');
    const badRetry = await request(`${listening.url}/retry`);
    expect(badRetry.headers['content-type']).toBe(undefined);
    expect(badRetry.text).toBe('not a stream');
    expect(errors.map((err) => (err instanceof SsekitError ? err.code : err))).toEqual([
      'headers_sent',
      'invalid_option',
    ]);
  });

  it('aborts the signal with reason client when the client goes away', async () => {
    const { url, streams } = await serveStreams({ heartbeatMs: 0 });
    const client = await connect(url);
    await eventually(() => streams.length === 1, 'the stream');
    const stream = streams[0] as SseStream;
    expect(stream.signal.aborted).toBe(false);
    client.close();
    await eventually(() => stream.signal.aborted, 'the signal to abort');
    expect(stream.signal.reason).toBe('client');
    expect(stream.closed).toBe(true);
    expect(stream.send({ data: 'too late' })).toBe(false);
  });

  it('ends the response cleanly when the application closes the stream', async () => {
    const { url, streams } = await serveStreams({ heartbeatMs: 0 }, (stream) => {
      stream.send({ data: 'last' });
      void stream.close();
    });
    const client = await connect(url);
    await client.ended;
    expect(client.completed).toBe(true);
    expect(client.raw).toBe('data: last\n\n');
    expect(streams[0]?.signal.reason).toBe('server');
  });

  it('sends a comment on an idle stream every heartbeat interval', async () => {
    const { url } = await serveStreams({ heartbeatMs: 50 });
    const client = await connect(url);
    await client.waitFor((c) => c.comments.length >= 3, 5000, 'three heartbeats');
    expect(client.raw).toBe(':\n'.repeat(client.comments.length));
    expect(client.events).toEqual([]);
  });
});
