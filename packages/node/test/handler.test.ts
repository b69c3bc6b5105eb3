import http from 'node:http';
import type { Socket } from 'node:net';
import { SsekitError } from '@ssekit/core';
import type { Subscription } from '@ssekit/core';
import { RETRY, eventually, openClient, request, testHub } from '@ssekit/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createSseHandler, sendError } from '../src/index.js';
import { listen } from './support/servers.js';
import type { Listening } from './support/servers.js';

const servers: Listening[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(server: http.Server): Promise<Listening> {
  const listening = await listen(server);
  servers.push(listening);
  return listening;
}

describe('createSseHandler', () => {
  it('answers other methods 405 with the methods it takes, and OPTIONS too without cors', async () => {
    const hub = testHub();
    const plain = await serve(http.createServer(createSseHandler({ hub })));
    for (const method of ['POST', 'DELETE', 'OPTIONS']) {
      const answer = await request(`${plain.url}/events`, { method });
      expect([method, answer.status, answer.headers.allow, answer.text]).toEqual([
        method,
        405,
        'GET, HEAD',
        '{"error":"ssekit: this URL serves an event stream; use GET."}',
      ]);
    }
    const withCors = await serve(
      http.createServer(createSseHandler({ hub, cors: { origins: ['https://app.example.com'] } })),
    );
    const post = await request(`${withCors.url}/events`, { method: 'POST' });
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD, OPTIONS']);
    expect(hub.stats().connections).toBe(0);
  });

  it('start() resolves to the subscription, or rejects with the refusal for sendError to answer', async () => {
    const hub = testHub();
    const handler = createSseHandler({ hub });
    const outcomes: unknown[] = [];
    const { url } = await serve(
      http.createServer((req, res) => {
        handler.start(req, res).then(
          (stream) => outcomes.push(stream),
          (err: unknown) => {
            outcomes.push(err);
            sendError(res, err);
          },
        );
      }),
    );
    const client = await openClient(`${url}/events?topic=a`, {}, RETRY);
    expect(outcomes).toHaveLength(1);
    const stream = outcomes[0] as Subscription;
    expect([stream.topics, stream.closed]).toEqual([['a'], false]);
    stream.send({ event: 'hello', data: 'just you' });
    await client.waitFor((c) => c.raw === `${RETRY}event: hello\ndata: just you\n\n`, 5000, 'the event');
    const refused = await request(`${url}/events?topic=a%20b`);
    expect(refused.status).toBe(400);
    expect(refused.text).toBe(JSON.stringify({ error: (outcomes[1] as SsekitError).message }));
    expect((outcomes[1] as SsekitError).code).toBe('invalid_topic');
  });

  it('start() rejects with headers_sent when something already wrote, and sendError ends that response', async () => {
    const hub = testHub();
    const logged: unknown[][] = [];
    const handler = createSseHandler({ hub, onError: (...args) => logged.push(args) });
    const errors: unknown[] = [];
    const { url } = await serve(
      http.createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('already started');
        handler.start(req, res).then(
          () => res.end(),
          (err: unknown) => {
            errors.push(err);
            sendError(res, err);
          },
        );
      }),
    );
    const direct = await request(`${url}/direct`);
    expect([direct.status, direct.text]).toEqual([200, 'already started']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SsekitError);
    expect((errors[0] as SsekitError).code).toBe('headers_sent');
    // A 500: reported before start() rejects.
    expect(logged).toEqual([[errors[0], expect.objectContaining({ url: '/direct' })]]);
    expect(hub.stats().connections).toBe(0);
  });

  it('turns off Nagle on the socket (read from Node’s own flag, on a server created with noDelay: false)', async () => {
    const hub = testHub();
    const server = http.createServer({ noDelay: false }, createSseHandler({ hub }));
    const sockets: Socket[] = [];
    server.on('connection', (socket) => sockets.push(socket));
    const { url } = await serve(server);
    // Node keeps the state of setNoDelay in a private symbol (no public getter in Node 20).
    const noDelayOf = (socket: Socket): unknown => {
      const key = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'kSetNoDelay');
      expect(key, 'Node’s kSetNoDelay symbol').toBeDefined();
      return (socket as unknown as Record<symbol, unknown>)[key as symbol];
    };
    await openClient(`${url}/events`, {}, RETRY);
    expect(sockets).toHaveLength(1);
    expect(noDelayOf(sockets[0] as Socket)).toBe(true);
    // A plain request on the same kind of server keeps Nagle on: the flag is ssekit's doing.
    const other = http.createServer({ noDelay: false }, (_req, res) => res.end('ok'));
    const plainSockets: Socket[] = [];
    other.on('connection', (socket) => plainSockets.push(socket));
    const otherListening = await serve(other);
    await request(otherListening.url);
    await eventually(() => plainSockets.length === 1, 'the plain connection');
    expect(noDelayOf(plainSockets[0] as Socket)).toBe(false);
  });
});
