import Router from '@koa/router';
import { SsekitError } from '@ssekit/core';
import { request, wireFrame } from '@ssekit/testkit';
import { describe, expect, it } from 'vitest';
import { sse } from '../src/index.js';
import { KOA_VERSIONS, RETRY, useHarness } from './support.js';

describe.each(KOA_VERSIONS)('$name: the hooks get the Koa context', ({ Koa }) => {
  const harness = useHarness();

  it('takes topics from route params and authorizes with what earlier middleware put in ctx.state', async () => {
    const hub = harness.hub();
    const app = new Koa();
    const router = new Router();
    app.use(async (ctx, next) => {
      ctx.state.user = ctx.get('x-user');
      await next();
    });
    router.get(
      '/rooms/:room',
      sse({
        hub,
        topics: (ctx) => [`room-${ctx.params.room ?? ''}`],
        authorize: (ctx, topics) => {
          if (ctx.state.user !== 'ann') throw new SsekitError('forbidden', 'ssekit: only ann may listen here.');
          return topics;
        },
      }),
    );
    app.use(router.routes());
    const { url } = await harness.serve(app);
    const refused = await request(`${url}/rooms/blue`, { headers: { 'x-user': 'bob' } });
    expect([refused.status, refused.text]).toEqual([403, 'ssekit: only ann may listen here.']);
    const client = await harness.connect(`${url}/rooms/blue`, { headers: { 'x-user': 'ann' } });
    await client.waitFor((c) => c.raw === RETRY);
    const sent = await hub.publish('room-blue', { data: 'hello blue' });
    await client.waitForEvents(1);
    expect(client.raw).toBe(RETRY + wireFrame(sent.id, 'hello blue'));
    expect(hub.stats().topics).toEqual({ 'room-blue': 1 });
  });
});
