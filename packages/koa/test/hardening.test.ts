import { SsekitError } from '@ssekit/core';
import type { HubOptions } from '@ssekit/core';
import { request } from '@ssekit/testkit';
import { describe, expect, it } from 'vitest';
import { sse, ssePreflight } from '../src/index.js';
import type { KoaSseOptions } from '../src/index.js';
import { KOA_VERSIONS, RETRY, useHarness } from './support.js';

const APP = 'https://app.example.com';

describe.each(KOA_VERSIONS)('$name: hardening options', ({ Koa }) => {
  const harness = useHarness();

  /** `app.use(sse({ hub, path: '/events', ...options }))` behind `app.proxy`, recording `app.on('error')`. */
  async function serveEvents(options: Omit<KoaSseOptions, 'hub'>, hubOptions: HubOptions) {
    const hub = harness.hub(hubOptions);
    const app = new Koa();
    app.proxy = true;
    const errors: unknown[] = [];
    app.on('error', (err: unknown) => errors.push(err));
    app.use(sse({ hub, path: '/events', ...options }));
    const { url } = await harness.serve(app);
    return { hub, url, errors };
  }

  it("throws a 429 into Koa's error handling, exposed, with Retry-After and the CORS headers in err.headers", async () => {
    const { url, errors } = await serveEvents(
      { limitResponse: 429, limitRetryMs: 4000, cors: { origins: [APP] } },
      { maxConnections: 1 },
    );
    const first = await harness.connect(`${url}/events`, { headers: { origin: APP } });
    await first.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
    const answer = await request(`${url}/events`, { headers: { origin: APP } });
    // Koa's own answer: the exposed message as text, the error's headers.
    expect([answer.status, answer.text]).toEqual([429, 'ssekit: the server is at its connection limit; retry later.']);
    expect([answer.headers['access-control-allow-origin'], answer.headers.vary]).toEqual([APP, 'Origin']);
    const retryAfter = Number(answer.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(4);
    expect(retryAfter).toBeLessThanOrEqual(6);
    // Exposed (4xx): Koa does not log it, but app.on('error') is told.
    const err = errors[0] as SsekitError & { expose: boolean; headers: Record<string, string> };
    expect(err).toBeInstanceOf(SsekitError);
    expect([err.code, err.expose, Object.keys(err.headers).sort()]).toEqual([
      'too_many_connections',
      true,
      ['access-control-allow-origin', 'retry-after', 'vary'],
    ]);
  });

  it('keys clients by ctx.ip by default, which honours app.proxy', async () => {
    const { hub, url } = await serveEvents({ limitResponse: 429 }, { maxConnectionsPerClient: 1 });
    for (const address of ['203.0.113.1', '203.0.113.2']) {
      const client = await harness.connect(`${url}/events`, { headers: { 'x-forwarded-for': address } });
      await client.waitFor((c) => c.raw === RETRY, 5000, address);
    }
    const again = await request(`${url}/events`, { headers: { 'x-forwarded-for': '203.0.113.1' } });
    expect(again.status).toBe(429);
    expect(hub.stats()).toMatchObject({ connections: 2, rejected: 1 });
  });

  it('refuses a wildcard with credentials in ssePreflight() at once', () => {
    expect(() => ssePreflight({ origins: ['*'], credentials: true })).toThrow(
      "ssekit: `cors.origins: ['*']` with `credentials: true` would let every site read your users' streams; list the origins.",
    );
  });
});
