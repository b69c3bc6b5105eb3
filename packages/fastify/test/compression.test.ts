import { brotliDecompressSync } from 'node:zlib';
import http from 'node:http';
import compress from '@fastify/compress';
import { createHub } from '@ssekit/core';
import type { Hub, SseStream } from '@ssekit/core';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { SseClient } from '../../testkit/src/sse-client.js';
import { ssekit } from '../src/index.js';
import { listen, streamOpen } from './helpers.js';

let app: FastifyInstance | undefined;
let hub: Hub | undefined;
const clients: SseClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await hub?.close();
  await app?.close();
  app = undefined;
  hub = undefined;
});

const ACCEPT = { 'accept-encoding': 'gzip, deflate, br' };
const big = { items: Array.from({ length: 200 }, (_, i) => `item ${i}`) };

/** @fastify/compress for the whole app, as users mount it, and one route of each kind. */
async function start(): Promise<{ base: string; manual: SseStream[] }> {
  hub = createHub({ retry: 3000, heartbeatMs: 0 });
  app = Fastify();
  await app.register(compress, { global: true, threshold: 1 });
  await app.register(ssekit, { hub });
  const manual: SseStream[] = [];
  app.get('/big', () => Promise.resolve(big));
  app.get('/events', { sse: true }, streamOpen);
  app.get('/manual', (_request, reply) => reply.sse((stream) => void manual.push(stream)));
  return { base: await listen(app), manual };
}

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

describe('with @fastify/compress registered for the whole app', () => {
  it('still compresses ordinary replies', async () => {
    const { base } = await start();
    const answer = await compressedGet(`${base}/big`);
    expect(answer.encoding).toBe('br');
    expect(brotliDecompressSync(answer.body).toString('utf8')).toBe(JSON.stringify(big));
  });

  it('delivers each hub event before the next is published, uncompressed', async () => {
    const { base } = await start();
    const client = await SseClient.connect(`${base}/events`, { headers: ACCEPT });
    clients.push(client);
    await client.waitFor((c) => c.retries.length === 1);
    expect(client.headers['content-encoding']).toBe(undefined);

    let expected = 'retry: 3000\n\n';
    for (let n = 0; n < 5; n++) {
      const published = await hub!.publish('default', { data: `event ${n}` });
      // The next publish waits until this one is on the client: nothing sits in a compressor.
      await client.waitForEvents(n + 1);
      expected += `id: ${published.id}\ndata: event ${n}\n\n`;
      expect(client.raw).toBe(expected);
    }
  });

  it('delivers each hand-driven event before the next is sent, uncompressed', async () => {
    const { base, manual } = await start();
    const client = await SseClient.connect(`${base}/manual`, { headers: ACCEPT });
    clients.push(client);
    expect(client.headers['content-encoding']).toBe(undefined);
    const stream = manual[0]!;

    let expected = '';
    for (let n = 0; n < 5; n++) {
      stream.send({ id: String(n), data: `step ${n}` });
      await client.waitForEvents(n + 1);
      expected += `id: ${n}\ndata: step ${n}\n\n`;
      expect(client.raw).toBe(expected);
    }
  });
});
