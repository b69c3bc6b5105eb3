import http from 'node:http';
import zlib from 'node:zlib';
import type { Hub } from '@ssekit/core';
import { RETRY, eventually, testHub } from '@ssekit/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createSseHandler } from '../src/index.js';
import { listen } from './support/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

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
  const hub = testHub();
  const handler = createSseHandler({ hub });
  const server = http.createServer((req, res) => {
    layer(req, res, () => {
      handler(req, res);
    });
  });
  const listening = await listen(server);
  cleanups.push(() => listening.close());
  return { hub, url: listening.url };
}

describe('behind a compression layer that ignores no-transform', () => {
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
    await eventually(() => client.text === RETRY, 'the gunzipped retry line');
    expect(client.headers['content-encoding']).toBe('gzip');
    let expected = RETRY;
    for (let n = 0; n < 5; n++) {
      const { id } = await hub.publish('default', { event: 'small', data: `event ${n}` });
      expected += `id: ${id}\nevent: small\ndata: event ${n}\n\n`;
      await eventually(() => client.text === expected, `gunzipped event ${n}`);
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
    await eventually(() => client.text === RETRY, 'the gunzipped retry line');
    await hub.close({ event: { event: 'bye', data: 'see you' } });
    await eventually(() => client.ended, 'the end of the gzip stream');
    expect(client.text).toBe(`${RETRY}event: bye\ndata: see you\n\n`);
  });
});
