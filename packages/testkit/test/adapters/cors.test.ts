import { SsekitError } from '@ssekit/core';
import {
  FORBIDDEN_ORIGIN,
  RETRY,
  allowedPreflight,
  describeEachAdapter,
  headHeaders,
  openClient,
  preflight,
  preflightHeaders,
  refusalBody,
  refusalHeaders,
  request,
  retryAnswerHeaders,
  retryHint,
  stable,
  streamHeaders,
  testHub,
  wireFrame,
} from '@ssekit/testkit';
import type { ServeSetup } from '@ssekit/testkit';
import { expect, it } from 'vitest';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example';

describeEachAdapter('cors', (adapter) => {
  it('is off by default: no Access-Control header, whatever the Origin', async () => {
    const server = await adapter.serve(testHub());
    const client = await openClient(`${server.url}/events`, { headers: { origin: APP } });
    expect(client.status).toBe(200);
    expect(stable(client.headers)).toEqual(streamHeaders(adapter));
  });

  it('names the allowed origin, never *, with Vary: Origin and credentials when asked', async () => {
    const server = await adapter.serve(testHub(), {
      cors: { origins: ['https://App.example.com/'], credentials: true },
    });
    const client = await openClient(`${server.url}/events`, { headers: { origin: APP } }, RETRY);
    expect(stable(client.headers)).toEqual(
      streamHeaders(adapter, {
        vary: 'Origin',
        'access-control-allow-origin': APP,
        'access-control-allow-credentials': 'true',
      }),
    );
  });

  it('answers 403 before the stream to an origin not allowed, on GET and HEAD', async () => {
    const hub = testHub();
    const server = await adapter.serve(hub, { cors: { origins: [APP] } });
    const answer = await request(`${server.url}/events`, { headers: { origin: EVIL } });
    expect(answer.status).toBe(403);
    expect(answer.text).toBe(refusalBody(FORBIDDEN_ORIGIN));
    expect(stable(answer.headers)).toEqual(refusalHeaders(answer.text, { vary: 'Origin' }));
    const head = await request(`${server.url}/events`, { method: 'HEAD', headers: { origin: EVIL } });
    expect(head.status).toBe(403);
    const allowedHead = await request(`${server.url}/events`, { method: 'HEAD', headers: { origin: APP } });
    expect(allowedHead.status).toBe(200);
    expect(stable(allowedHead.headers)).toEqual(
      headHeaders(adapter, { vary: 'Origin', 'access-control-allow-origin': APP }),
    );
    expect(hub.stats().connections).toBe(0);
    expect(server.errors.map((err) => (err as SsekitError).code)).toEqual(
      adapter.errorChannel ? ['forbidden', 'forbidden'] : [],
    );
  });

  it('serves a request without Origin (same-origin) with no Access-Control header', async () => {
    const server = await adapter.serve(testHub(), { cors: { origins: [APP], credentials: true } });
    const client = await openClient(`${server.url}/events`);
    expect(client.status).toBe(200);
    expect(stable(client.headers)).toEqual(streamHeaders(adapter, { vary: 'Origin' }));
  });

  it('takes a function deciding per origin, and keeps the headers on refusals the page may read', async () => {
    const server = await adapter.serve(testHub(), {
      cors: { origins: (origin) => origin.endsWith('.example.com') },
    });
    const allowed = await openClient(`${server.url}/events`, { headers: { origin: APP } });
    expect(allowed.headers['access-control-allow-origin']).toBe(APP);
    expect(allowed.headers['access-control-allow-credentials']).toBe(undefined);
    const badTopic = await request(`${server.url}/events?topic=a%20b`, { headers: { origin: APP } });
    expect(badTopic.status).toBe(400);
    expect(stable(badTopic.headers)).toEqual(
      refusalHeaders(badTopic.text, { vary: 'Origin', 'access-control-allow-origin': APP }),
    );
    const refused = await request(`${server.url}/events`, { headers: { origin: 'https://example.org' } });
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBe(undefined);
  });

  it('keeps the CORS headers on the retry answer over a limit, so the page can read it', async () => {
    const hub = testHub({ maxConnections: 1 });
    const server = await adapter.serve(hub, { cors: { origins: [APP] } });
    await openClient(`${server.url}/events`, { headers: { origin: APP } }, RETRY);
    const refused = await openClient(`${server.url}/events`, { headers: { origin: APP } });
    await refused.ended;
    retryHint(refused.raw, 30_000, 45_000);
    expect(stable(refused.headers)).toEqual(
      retryAnswerHeaders(adapter, refused.raw, { vary: 'Origin', 'access-control-allow-origin': APP }),
    );
  });

  it('allows every origin with a wildcard and no credentials, still naming the origin', async () => {
    const server = await adapter.serve(testHub(), { cors: { origins: ['*'] } });
    const client = await openClient(`${server.url}/events`, { headers: { origin: 'https://anywhere.example' } });
    expect(client.headers['access-control-allow-origin']).toBe('https://anywhere.example');
    expect(client.headers['access-control-allow-credentials']).toBe(undefined);
  });

  it('still streams normally within the limits', async () => {
    const hub = testHub({ maxConnections: 2 });
    const server = await adapter.serve(hub, { cors: { origins: [APP] } });
    const client = await openClient(`${server.url}/events`, { headers: { origin: APP } }, RETRY);
    const { id } = await hub.publish('default', { data: 'hello' });
    await client.waitFor((c) => c.raw === RETRY + wireFrame(id, 'hello'), 5000, 'the event');
  });

  it('refuses, when the adapter is made, a wildcard with credentials and an entry that is not an origin', async () => {
    const hub = testHub();
    const wildcard = adapter.make({ hub, cors: { origins: ['*'], credentials: true } });
    await expect(wildcard).rejects.toThrow(SsekitError);
    await expect(wildcard).rejects.toThrow(
      "ssekit: `cors.origins: ['*']` with `credentials: true` would let every site read your users' streams; list the origins.",
    );
    await expect(adapter.make({ hub, cors: { origins: ['https://app.example.com/path'] } })).rejects.toThrow(
      `ssekit: \`cors.origins\` entries are origins like 'https://app.example.com'; got "https://app.example.com/path".`,
    );
    await expect(adapter.make({ hub, cors: { origins: ['app.example.com'] } })).rejects.toThrow(SsekitError);
  });

  const mounts: [string, ServeSetup][] = [['on a route, with the preflight the docs mount beside it', {}]];
  if (adapter.appWide) mounts.push(['mounted app-wide on a path', { mount: 'app', own: { path: '/events' } }]);
  for (const [where, setup] of mounts) {
    it(`answers an OPTIONS preflight for an allowed origin with 204, and 403 for another, ${where}`, async () => {
      const hub = testHub();
      const server = await adapter.serve(
        hub,
        { cors: { origins: [APP], credentials: true, maxAgeSeconds: 120 } },
        setup,
      );
      const allowed = await preflight(`${server.url}/events`, APP);
      expect([allowed.status, allowed.text]).toEqual([204, '']);
      expect(stable(allowed.headers)).toEqual(
        preflightHeaders(adapter, allowedPreflight(APP, { credentials: true, maxAgeSeconds: 120 })),
      );
      const other = await preflight(`${server.url}/events`, EVIL);
      expect([other.status, other.text]).toEqual([403, refusalBody(FORBIDDEN_ORIGIN)]);
      expect(stable(other.headers)).toEqual(refusalHeaders(other.text, { vary: 'Origin' }));
      expect(hub.stats().connections).toBe(0);
      // The stream itself still answers there.
      const client = await openClient(`${server.url}/events`, { headers: { origin: APP } }, RETRY);
      expect(client.headers['access-control-allow-origin']).toBe(APP);
    });
  }
});
