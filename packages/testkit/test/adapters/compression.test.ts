import http from 'node:http';
import zlib from 'node:zlib';
import type { SseStream } from '@ssekit/core';
import {
  PAGE,
  RETRY,
  describeEachAdapter,
  eventually,
  openClient,
  stable,
  streamHeaders,
  testHub,
  wireFrame,
} from '@ssekit/testkit';
import { expect, it } from 'vitest';

const ACCEPT = { 'accept-encoding': 'gzip, deflate, br' };

/** A plain GET asking for compression, its body read whole. */
function compressedGet(url: string): Promise<{ encoding: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: ACCEPT, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describeEachAdapter('behind the framework’s compression middleware', (adapter) => {
  it('still compresses ordinary responses (the middleware is live)', async () => {
    const server = await adapter.serve(testHub(), {}, { compression: true });
    const page = await compressedGet(`${server.url}/page`);
    expect(page.encoding).toBe(adapter.compression.encoding);
    const inflate = page.encoding === 'br' ? zlib.brotliDecompressSync : zlib.gunzipSync;
    expect(inflate(page.body).toString('utf8')).toBe(PAGE);
  });

  it('sends a hub stream uncompressed (Cache-Control: no-transform), each event before the next is published', async () => {
    const hub = testHub();
    const server = await adapter.serve(hub, {}, { compression: true });
    const client = await openClient(`${server.url}/events`, { headers: ACCEPT }, RETRY);
    expect(stable(client.headers)).toEqual(streamHeaders(adapter, adapter.compression.streamHeaders));
    let expected = RETRY;
    for (let i = 0; i < 5; i++) {
      const published = await hub.publish('default', { event: 'step', data: { i } });
      expected += wireFrame(published.id, JSON.stringify({ i }), 'step');
      // The next publish waits until this one is on the client: nothing sits in a compressor.
      await client.waitFor((c) => c.raw === expected, 3000, `event ${i}`);
      expect(client.isEnded).toBe(false);
    }
  });

  it('sends a hand-driven stream uncompressed, each event before the next is sent', async () => {
    const streams: SseStream[] = [];
    const server = await adapter.serve(
      testHub(),
      {},
      { compression: true, ticks: { handler: (stream) => void streams.push(stream), options: { retry: 3000 } } },
    );
    const client = await openClient(`${server.url}/ticks`, { headers: ACCEPT }, RETRY);
    expect(client.headers['content-encoding']).toBeUndefined();
    await eventually(() => streams.length === 1, 'the stream');
    let expected = RETRY;
    for (let n = 0; n < 5; n++) {
      streams[0]?.send({ id: String(n), data: `tick ${n}` });
      expected += wireFrame(String(n), `tick ${n}`);
      await client.waitFor((c) => c.raw === expected, 3000, `tick ${n}`);
    }
  });
});
