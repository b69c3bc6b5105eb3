import type { SseStream } from '@ssekit/core';
import { request, wireFrame } from '@ssekit/testkit';
import type KoaApp from 'koa';
import compress from 'koa-compress';
import { describe, expect, it } from 'vitest';
import { sse } from '../src/index.js';
import { KOA_VERSIONS, RETRY, useHarness } from './support.js';

const GZIP = { 'accept-encoding': 'gzip' };

describe.each(KOA_VERSIONS)('$name: with koa-compress mounted for the whole app', ({ Koa }) => {
  const harness = useHarness();

  function appWithCompression(): KoaApp {
    const app = new Koa();
    app.use(compress());
    return app;
  }

  it('still compresses ordinary responses (the middleware is live)', async () => {
    const app = appWithCompression();
    app.use((ctx) => {
      ctx.body = { text: 'x'.repeat(4096) };
    });
    const { url } = await harness.serve(app);
    const answer = await request(`${url}/json`, { headers: GZIP });
    expect(answer.headers['content-encoding']).toBe('gzip');
  });

  it('sends a hub stream uncompressed, each event arriving before the next is published', async () => {
    const hub = harness.hub();
    const app = appWithCompression();
    app.use(sse({ hub, path: '/events' }));
    const { url } = await harness.serve(app);
    const client = await harness.connect(`${url}/events?topic=live`, { headers: GZIP });
    await client.waitFor((c) => c.raw === RETRY);
    expect(client.headers['content-encoding']).toBeUndefined();
    let expected = RETRY;
    for (let i = 0; i < 5; i++) {
      const sent = await hub.publish('live', { event: 'step', data: { i } });
      expected += wireFrame(sent.id, JSON.stringify({ i }), 'step');
      await client.waitForEvents(i + 1, 3000);
      expect(client.raw).toBe(expected);
    }
  });

  it('sends a hand-driven stream uncompressed, each event arriving before the next is sent', async () => {
    const app = appWithCompression();
    let opened: SseStream | undefined;
    app.use(
      sse(
        (stream) => {
          opened = stream;
        },
        { path: '/feed', retry: 1000, heartbeatMs: 0 },
      ),
    );
    const { url } = await harness.serve(app);
    const client = await harness.connect(`${url}/feed`, { headers: GZIP });
    await client.waitFor((c) => c.raw === RETRY && opened !== undefined);
    expect(client.headers['content-encoding']).toBeUndefined();
    let expected = RETRY;
    for (let n = 0; n < 5; n++) {
      opened?.send({ id: String(n), data: `tick ${n}` });
      expected += wireFrame(String(n), `tick ${n}`);
      await client.waitForEvents(n + 1, 3000);
      expect(client.raw).toBe(expected);
    }
  });
});
