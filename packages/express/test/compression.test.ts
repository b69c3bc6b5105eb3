import http from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http';
import zlib from 'node:zlib';
import type { SseStream } from '@ssekit/core';
import compression from 'compression';
import type { Response } from 'express';
import { describe, expect, it } from 'vitest';
import { sse } from '../src/index.js';
import { EXPRESS_VERSIONS, RETRY, connect, eventually, frame, serve, testHub } from './support.js';

const ACCEPT = { 'accept-encoding': 'gzip, deflate, br' };

/** A streaming client that asks for gzip and inflates what it gets, flush by flush. */
function gzipClient(url: string): Promise<{ encoding: string | undefined; text: () => string; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { 'accept-encoding': 'gzip' }, agent: false }, (res) => {
      let text = '';
      const gunzip = zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
      gunzip.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      const ended = new Promise<void>((done) => gunzip.on('end', done));
      res.pipe(gunzip);
      resolve({ encoding: res.headers['content-encoding'], text: () => text, ended });
    });
    req.on('error', reject);
  });
}

describe.each(EXPRESS_VERSIONS)('%s with compression() for the whole app', (_name, express) => {
  function compressedApp(): ReturnType<typeof express> {
    const app = express();
    app.use(compression());
    app.get('/page', (_req, res) => {
      res.type('text/plain').send('x'.repeat(4096));
    });
    return app;
  }

  it('still compresses ordinary responses', async () => {
    const { url } = await serve(compressedApp());
    const page = await new Promise<http.IncomingMessage>((resolve) => {
      http.get(`${url}/page`, { headers: ACCEPT, agent: false }, (res) => {
        res.resume();
        resolve(res);
      });
    });
    expect(page.headers['content-encoding']).toBe('br');
  });

  it('delivers every hub event before the next is published, uncompressed', async () => {
    const hub = testHub();
    const app = compressedApp();
    app.get('/events', sse({ hub }));
    const { url } = await serve(app);

    const client = await connect(`${url}/events`, { headers: ACCEPT });
    let expected = RETRY;
    for (let i = 0; i < 5; i++) {
      const published = await hub.publish('default', { event: 'step', data: { i } });
      expected += frame(published.id, JSON.stringify({ i }), 'step');
      await client.waitForEvents(i + 1, 3000);
      expect(client.isEnded).toBe(false);
    }

    expect(client.raw).toBe(expected);
    expect(client.headers['content-encoding']).toBeUndefined();
    expect(client.headers.vary).toBeUndefined();
  });

  it('delivers every hand-driven event before the next is sent', async () => {
    const app = compressedApp();
    const streams: SseStream[] = [];
    app.get(
      '/ticks',
      sse((stream) => void streams.push(stream), { heartbeatMs: 0, retry: 2000 }),
    );
    const { url } = await serve(app);

    const client = await connect(`${url}/ticks`, { headers: ACCEPT });
    for (let i = 0; i < 5; i++) {
      streams[0]?.send({ id: String(i), data: `tick ${i}` });
      await client.waitForEvents(i + 1, 3000);
    }

    expect(client.raw).toBe(RETRY + [0, 1, 2, 3, 4].map((i) => `id: ${i}\ndata: tick ${i}\n\n`).join(''));
    expect(client.headers['content-encoding']).toBeUndefined();
  });

  it('flushes each event through a compressor that ignores no-transform, and ends it cleanly', async () => {
    const hub = testHub();
    const app = compressedApp();
    // A middleware rewriting Cache-Control before compression decides: the stream gets gzipped.
    app.use((_req, res, next) => {
      const writeHead = res.writeHead.bind(res) as (status: number, headers?: OutgoingHttpHeaders) => Response;
      (res as { writeHead: unknown }).writeHead = (status: number, headers?: OutgoingHttpHeaders) =>
        writeHead(status, { ...headers, 'cache-control': 'no-cache' });
      next();
    });
    app.get('/events', sse({ hub }));
    const { url } = await serve(app);

    const client = await gzipClient(`${url}/events`);
    await eventually(() => client.text() === RETRY, 'the retry line');
    let expected = RETRY;
    for (let i = 0; i < 3; i++) {
      const published = await hub.publish('default', { data: `zipped ${i}` });
      expected += frame(published.id, `zipped ${i}`);
      await eventually(() => client.text() === expected, `event ${i}`);
    }
    await hub.close();
    await client.ended;

    expect(client.encoding).toBe('gzip');
    expect(client.text()).toBe(expected);
  });
});
