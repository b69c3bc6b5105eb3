import http from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http';
import zlib from 'node:zlib';
import { RETRY, eventually, testHub, wireFrame } from '@ssekit/testkit';
import compression from 'compression';
import type { Response } from 'express';
import { describe, expect, it } from 'vitest';
import { sse } from '../src/index.js';
import { EXPRESS_VERSIONS, serve } from './support.js';

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
  it('flushes each event through a compressor that ignores no-transform, and ends it cleanly', async () => {
    const hub = testHub();
    const app = express();
    app.use(compression());
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
      expected += wireFrame(published.id, `zipped ${i}`);
      await eventually(() => client.text() === expected, `event ${i}`);
    }
    await hub.close();
    await client.ended;

    expect(client.encoding).toBe('gzip');
    expect(client.text()).toBe(expected);
  });
});
