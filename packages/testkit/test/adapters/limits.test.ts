import type { SsekitError } from '@ssekit/core';
import {
  LIMITED,
  RETRY,
  describeEachAdapter,
  eventually,
  openClient,
  refusalBody,
  refusalHeaders,
  request,
  retryAnswerHeaders,
  retryHint,
  stable,
  testHub,
} from '@ssekit/testkit';
import { expect, it } from 'vitest';

const APP = 'https://app.example.com';

describeEachAdapter('connection limits', (adapter) => {
  it('tells a client over the limit to retry later, in a 200 EventSource honours, by default', async () => {
    // Per client where the adapter knows the client's address, else for the whole hub.
    const hub = testHub(adapter.addressKey ? { maxConnectionsPerClient: 1 } : { maxConnections: 1 });
    const server = await adapter.serve(hub);
    const first = await openClient(`${server.url}/events`, {}, RETRY);
    const second = await openClient(`${server.url}/events`);
    await second.ended;
    expect([second.status, second.completed]).toEqual([200, true]);
    const hint = retryHint(second.raw, 30_000, 45_000);
    expect(second.retries).toEqual([hint]);
    expect(second.raw).toBe(`${LIMITED}retry: ${hint}\n`);
    expect(stable(second.headers)).toEqual(retryAnswerHeaders(adapter, second.raw));
    expect(hub.stats()).toMatchObject({ connections: 1, rejected: 1 });
    // Not a refusal: nothing reaches the framework's error channel.
    expect(server.errors).toEqual([]);
    expect(first.isEnded).toBe(false);
    // The slot comes back when the first client leaves.
    first.close();
    await eventually(() => hub.stats().connections === 0, 'the first stream to end');
    await openClient(`${server.url}/events`, {}, RETRY);
    expect(hub.stats()).toMatchObject({ connections: 1, rejected: 1 });
  });

  it('uses limitRetryMs for the hint, plus up to half as much again', async () => {
    const server = await adapter.serve(testHub({ maxConnections: 1 }), { limitRetryMs: 1000 });
    await openClient(`${server.url}/events`, {}, RETRY);
    for (let n = 0; n < 5; n++) {
      const refused = await openClient(`${server.url}/events`);
      await refused.ended;
      retryHint(refused.raw, 1000, 1500);
    }
  });

  it('answers 429 with Retry-After, the CORS headers and a JSON error when limitResponse is 429', async () => {
    const hub = testHub({ maxConnections: 1 });
    const server = await adapter.serve(hub, { limitResponse: 429, limitRetryMs: 4000, cors: { origins: [APP] } });
    await openClient(`${server.url}/events`, { headers: { origin: APP } }, RETRY);
    const answer = await request(`${server.url}/events`, { headers: { origin: APP } });
    expect(answer.status).toBe(429);
    expect(answer.text).toBe(refusalBody('ssekit: the server is at its connection limit; retry later.'));
    const retryAfter = Number(answer.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(4);
    expect(retryAfter).toBeLessThanOrEqual(6);
    expect(stable(answer.headers)).toEqual(
      refusalHeaders(answer.text, {
        vary: 'Origin',
        'access-control-allow-origin': APP,
        'retry-after': String(retryAfter),
      }),
    );
    expect(server.errors.map((err) => (err as SsekitError).code)).toEqual(
      adapter.errorChannel ? ['too_many_connections'] : [],
    );
    expect(hub.stats()).toMatchObject({ connections: 1, rejected: 1 });
  });

  it('applies the per-client limit to the key clientKey returns', async () => {
    const hub = testHub({ maxConnectionsPerClient: 1 });
    const server = await adapter.serve(hub, { clientKey: (req) => adapter.header(req, 'x-user') });
    await openClient(`${server.url}/events`, { headers: { 'x-user': 'ada' } }, RETRY);
    await openClient(`${server.url}/events`, { headers: { 'x-user': 'bob' } }, RETRY);
    const adaAgain = await openClient(`${server.url}/events`, { headers: { 'x-user': 'ada' } });
    await adaAgain.ended;
    retryHint(adaAgain.raw, 30_000, 45_000);
    // No key, no per-client limit.
    await openClient(`${server.url}/events`, {}, RETRY);
    await openClient(`${server.url}/events`, {}, RETRY);
    expect(hub.stats()).toMatchObject({ connections: 4, rejected: 1 });
  });

  it('keys clients by their address by default where the request has one, and no one otherwise', async () => {
    const hub = testHub({ maxConnectionsPerClient: 2 });
    const server = await adapter.serve(hub, { limitResponse: 429 });
    const addresses: (string | undefined)[] = [];
    server.http.on('request', (req: { socket: { remoteAddress?: string } }) => {
      addresses.push(req.socket.remoteAddress);
    });
    await openClient(`${server.url}/events`, {}, RETRY);
    await openClient(`${server.url}/events`, {}, RETRY);
    const third = await openClient(`${server.url}/events`);
    expect(addresses).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    if (adapter.addressKey) {
      await third.ended;
      expect(third.status).toBe(429);
      expect(hub.stats()).toMatchObject({ connections: 2, rejected: 1 });
    } else {
      // A Fetch request carries no address to fall back on: no per-client limit.
      await third.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
      expect(third.status).toBe(200);
      expect(hub.stats()).toMatchObject({ connections: 3, rejected: 0 });
    }
  });
});
