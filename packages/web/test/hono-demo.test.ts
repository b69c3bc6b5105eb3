import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseClient, eventually, publish, request, startDemo, stats } from '@ssekit/testkit';
import type { HttpAnswer, RunningDemo } from '@ssekit/testkit';

// examples/hono over real sockets: what @hono/node-server does with the Response of @ssekit/web.
const RETRY_LINE = 'retry: 1500\n';
let demo: RunningDemo;
let url: string;
const clients: SseClient[] = [];
let topicCount = 0;

function topic(): string {
  topicCount++;
  return `web-${topicCount}-${Math.random().toString(36).slice(2, 8)}`;
}

async function open(path: string): Promise<SseClient> {
  const client = await SseClient.connect(`${url}${path}`);
  clients.push(client);
  await client.waitFor((c) => c.raw.length >= RETRY_LINE.length, 5000, 'the retry line');
  return client;
}

/** A POST whose body goes out in chunked encoding (no Content-Length), in 64 KiB writes. */
function postChunked(path: string, body: Buffer): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method: 'POST', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: JSON.parse(text) as unknown });
      });
    });
    req.on('error', reject);
    for (let offset = 0; offset < body.byteLength; offset += 64 * 1024) {
      req.write(body.subarray(offset, offset + 64 * 1024));
    }
    req.end();
  });
}

beforeAll(async () => {
  demo = await startDemo('hono', { RETRY_MS: '1500', HEARTBEAT_MS: '0', TICK_MS: '50' });
  url = demo.url;
});

afterAll(async () => {
  for (const client of clients) client.close();
  await demo.stop('SIGKILL');
});

describe('examples/hono over a socket', () => {
  it('sends the retry line at once, as a chunk of its own, then each event as published', async () => {
    const name = topic();
    const client = await open(`/events?topic=${name}`);
    expect(client.bytes[0]?.toString('utf8')).toBe(RETRY_LINE);
    expect(client.headers.connection).toBe('keep-alive');
    const answer = await publish(url, { topic: name, event: 'e', data: 'a\rb' });
    const { id } = answer.json as { id: string };
    await client.waitForEvents(1);
    expect(client.raw).toBe(`${RETRY_LINE}id: ${id}\nevent: e\ndata: a\ndata: b\n\n`);
    client.close();
  });

  it('subscribes nothing for HEAD /events: Hono keeps the headers and drops the body', async () => {
    const before = (await stats(url)).connections;
    const answer = await request(`${url}/events`, { method: 'HEAD' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(answer.text).toBe('');
    expect((await stats(url)).connections).toBe(before);
  });

  it('unregisters streams as soon as their clients disconnect (body cancel, request.signal)', async () => {
    const before = (await stats(url)).connections ?? 0;
    const name = topic();
    const batch = await Promise.all(Array.from({ length: 20 }, () => open(`/events?topic=${name}`)));
    const ticks = await open('/ticks');
    await ticks.waitForEvents(2);
    expect((await stats(url)).connections).toBe(before + 21);
    for (const client of [...batch, ticks]) client.close();
    await eventually(async () => (await stats(url)).connections === before, 'every stream unregistered', 1000);
    const answer = await publish(url, { topic: name, data: 'nobody' });
    expect((answer.json as { delivered: number }).delivered).toBe(0);
  });

  it('lets backpressure from a stalled socket reach the hub, which evicts the client past its budget with a reset', async () => {
    const name = topic();
    const stalled = await open(`/events?topic=${name}`);
    stalled.pause();
    const chunk = 'q'.repeat(64 * 1024);
    let sawQueued = false;
    // At most 32 MiB: past the socket buffers, the body's queue and the 1 MiB budget.
    for (let i = 0; i < 512 && ((await stats(url)).evicted ?? 0) === 0; i++) {
      await publish(url, { topic: name, data: `${i} ${chunk}` });
      sawQueued ||= ((await stats(url)).queuedBytes ?? 0) > 0;
    }
    const after = await stats(url);
    expect(sawQueued).toBe(true);
    expect(after.evicted).toBe(1);
    expect(after.queuedBytes).toBe(0);
    stalled.resume();
    await stalled.ended;
    // On Node the demo streams through @ssekit/node, which resets an evicted connection (its
    // unsent queue dropped at once) instead of ending the body cleanly.
    expect(stalled.completed).toBe(false);
  });

  it('counts a chunked publish body itself: 413 past 1 MiB, 202 at exactly 1 MiB', async () => {
    const name = topic();
    const shell = Buffer.byteLength(JSON.stringify({ topic: name, data: '' }));
    const exact = Buffer.from(JSON.stringify({ topic: name, data: 'x'.repeat(1024 * 1024 - shell) }));
    const over = Buffer.from(JSON.stringify({ topic: name, data: 'x'.repeat(1024 * 1024 - shell + 1) }));
    expect(exact.byteLength).toBe(1024 * 1024);
    const before = (await stats(url)).published;
    const refused = await postChunked('/publish', over);
    expect(refused.status).toBe(413);
    expect(refused.json).toEqual({ error: 'ssekit: the body is over 1048576 bytes.' });
    expect((await stats(url)).published).toBe(before);
    expect((await postChunked('/publish', exact)).status).toBe(202);
  });
});
