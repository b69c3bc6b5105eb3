import http2 from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http2';
import { createHub, parseLastEventId } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import { eventually, messageOf } from '@ssekit/testkit';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ssekit } from '../src/index.js';
import { stableHeaders, streamOpen } from './helpers.js';

let app: FastifyInstance<http2.Http2Server> | undefined;
let hub: Hub | undefined;
let session: http2.ClientHttp2Session | undefined;

afterEach(async () => {
  session?.destroy();
  session = undefined;
  await hub?.close();
  await app?.close();
  app = undefined;
  hub = undefined;
});

/** One HTTP/2 request over the shared h2c session, its body collected as it arrives. */
interface H2Answer {
  headers: IncomingHttpHeaders;
  body: () => string;
  stream: http2.ClientHttp2Stream;
  ended: Promise<void>;
}

function request(
  client: http2.ClientHttp2Session,
  path: string,
  headers: Record<string, string> = {},
): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = client.request({ ':path': path, accept: 'text/event-stream', ...headers });
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (body += chunk));
    const ended = new Promise<void>((done) => stream.once('close', done));
    stream.once('response', (responseHeaders) => {
      resolve({ headers: responseHeaders, body: () => body, stream, ended });
    });
    stream.once('error', reject);
  });
}

async function start(): Promise<http2.ClientHttp2Session> {
  hub = createHub({ retry: 3000, heartbeatMs: 0 });
  app = Fastify({ http2: true });
  await app.register(ssekit, { hub });
  app.get('/events', { sse: true }, streamOpen);
  app.get('/ticks', (_request, reply) => reply.sse((stream) => stream.send({ id: '0', data: 'tick 0' })));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  session = http2.connect(`http://127.0.0.1:${address.port}`);
  return session;
}

describe('Fastify with http2: true (h2c)', () => {
  it('streams hub events without connection-specific headers', async () => {
    const client = await start();
    const answer = await request(client, '/events?topic=news');
    expect(stableHeaders(answer.headers)).toEqual({
      ':status': 200,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    await eventually(() => answer.body() === 'retry: 3000\n', 'the retry hint');

    const published = await hub!.publish('news', { event: 'headline', data: 'over h2' });
    expect(published.delivered).toBe(1);
    await eventually(() => answer.body().length > 13, 'the event');
    expect(answer.body()).toBe(`retry: 3000\nid: ${published.id}\nevent: headline\ndata: over h2\n\n`);
  });

  it('unregisters the stream when the client cancels it, and keeps the session usable', async () => {
    const client = await start();
    const answer = await request(client, '/events');
    await eventually(() => hub!.stats().connections === 1, 'the subscription');
    answer.stream.close(http2.constants.NGHTTP2_CANCEL);
    await answer.ended;
    await eventually(() => hub!.stats().connections === 0, 'the stream to be unregistered');

    const again = await request(client, '/ticks');
    await eventually(() => again.body() === 'id: 0\ndata: tick 0\n\n', 'a hand-driven stream on the same session');
    expect(again.headers[':status']).toBe(200);
  });

  it('answers a refusal before the first byte as a Fastify error', async () => {
    const client = await start();
    const answer = await request(client, '/events', { 'last-event-id': 'not an id!' });
    await answer.ended;
    expect([answer.headers[':status'], answer.headers['content-type'], answer.headers.connection]).toEqual([
      400,
      'application/json; charset=utf-8',
      undefined,
    ]);
    expect(answer.body()).toBe(
      JSON.stringify({
        statusCode: 400,
        code: 'invalid_last_event_id',
        error: 'Bad Request',
        message: messageOf(() => parseLastEventId('not an id!')),
      }),
    );
    expect(hub!.stats().connections).toBe(0);
  });
});
