import http from 'node:http';
import zlib from 'node:zlib';
import { createHub } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import compression from 'compression';
import { afterEach, describe, expect, it } from 'vitest';
import { SseClient } from '../../testkit/src/sse-client.js';
import { createSseHandler } from '../src/index.js';
import { listen, until } from './support/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const RETRY = 'retry: 3000\n\n';

type Middleware = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;

/**
 * A minimal gzip layer in the manner of the `compression` middleware, minus its `no-transform`
 * check: `write`/`end` go through one gzip stream, and `res.flush()` pushes out what the
 * compressor holds. Like `compression`, its `end` takes a chunk first, not a callback.
 */
function gzipLayer(res: http.ServerResponse): { writes: number; flushes: number } {
  const counts = { writes: 0, flushes: 0 };
  const gzip = zlib.createGzip();
  const write = res.write.bind(res) as (chunk: Buffer) => boolean;
  const end = res.end.bind(res) as () => void;
  res.setHeader('content-encoding', 'gzip');
  gzip.on('data', (chunk: Buffer) => write(chunk));
  gzip.on('end', () => end());
  res.on('close', () => gzip.destroy());
  Object.assign(res, {
    write(chunk: Uint8Array): boolean {
      counts.writes++;
      return gzip.write(chunk);
    },
    end(chunk?: Uint8Array): http.ServerResponse {
      if (chunk === undefined) gzip.end();
      else gzip.end(Buffer.from(chunk));
      return res;
    },
    flush(): void {
      counts.flushes++;
      gzip.flush();
    },
  });
  return counts;
}

/** Reads a gzip response as it streams, gunzipping on the fly. */
class GunzipClient {
  headers: http.IncomingHttpHeaders = {};
  text = '';
  ended = false;
  readonly #request: http.ClientRequest;

  constructor(url: string) {
    const decoder = new TextDecoder('utf-8');
    this.#request = http.get(url, { headers: { 'accept-encoding': 'gzip' }, agent: false }, (res) => {
      this.headers = res.headers;
      const gunzip = zlib.createGunzip();
      gunzip.on('data', (chunk: Buffer) => {
        this.text += decoder.decode(chunk, { stream: true });
      });
      gunzip.on('end', () => {
        this.ended = true;
      });
      gunzip.on('error', () => undefined);
      res.pipe(gunzip);
    });
    this.#request.on('error', () => undefined);
  }

  close(): void {
    this.#request.destroy();
  }
}

async function serveWith(
  layer: (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void,
): Promise<{ hub: Hub; url: string }> {
  const hub = createHub({ heartbeatMs: 0 });
  const handler = createSseHandler(hub);
  const server = http.createServer((req, res) => {
    layer(req, res, () => {
      handler(req, res);
    });
  });
  const listening = await listen(server);
  cleanups.push(async () => {
    await hub.close();
    await listening.close();
  });
  return { hub, url: listening.url };
}

describe('behind a compression layer', () => {
  it('is left uncompressed by the compression middleware (Cache-Control: no-transform), and streams', async () => {
    const { hub, url } = await serveWith(compression({ threshold: 0 }) as unknown as Middleware);
    const client = await SseClient.connect(url, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    cleanups.push(() => {
      client.close();
    });
    const { date, ...headers } = client.headers;
    expect(typeof date).toBe('string');
    expect(headers).toEqual({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
      'transfer-encoding': 'chunked',
    });
    await client.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
    let expected = RETRY;
    for (let n = 0; n < 3; n++) {
      const { id } = await hub.publish('default', { data: `plain ${n}` });
      expected += `id: ${id}\ndata: plain ${n}\n\n`;
      await client.waitFor((c) => c.raw === expected, 5000, `event ${n}`);
    }
  });

  it('flushes a compressing layer after each write, so each event arrives before the next publish', async () => {
    const layers: { writes: number; flushes: number }[] = [];
    const { hub, url } = await serveWith((_req, res, next) => {
      layers.push(gzipLayer(res));
      next();
    });
    const client = new GunzipClient(url);
    cleanups.push(() => {
      client.close();
    });
    await until(() => client.text === RETRY, 'the gunzipped retry line');
    expect(client.headers['content-encoding']).toBe('gzip');
    let expected = RETRY;
    for (let n = 0; n < 5; n++) {
      const { id } = await hub.publish('default', { event: 'small', data: `event ${n}` });
      expected += `id: ${id}\nevent: small\ndata: event ${n}\n\n`;
      await until(() => client.text === expected, `gunzipped event ${n}`);
    }
    const [layer] = layers;
    expect(layer?.writes).toBe(6);
    expect(layer?.flushes).toBe(6);
  });

  it('ends a compressed stream cleanly on hub.close(), through a layer whose end() takes a chunk', async () => {
    const { hub, url } = await serveWith((_req, res, next) => {
      gzipLayer(res);
      next();
    });
    const client = new GunzipClient(url);
    cleanups.push(() => {
      client.close();
    });
    await until(() => client.text === RETRY, 'the gunzipped retry line');
    await hub.close({ event: { event: 'bye', data: 'see you' } });
    await until(() => client.ended, 'the end of the gzip stream');
    expect(client.text).toBe(`${RETRY}event: bye\ndata: see you\n\n`);
  });
});
