import Router from '@koa/router';
import { SsekitError } from '@ssekit/core';
import { request, wireFrame } from '@ssekit/testkit';
import { describe, expect, it } from 'vitest';
import { sse } from '../src/index.js';
import { KOA_VERSIONS, RETRY, useHarness } from './support.js';

describe.each(KOA_VERSIONS)('$name: which requests sse({ hub }) streams', ({ Koa }) => {
  const harness = useHarness();

  it('streams GET /events under app.use with the event-stream headers and the retry hint first', async () => {
    const hub = harness.hub();
    const app = new Koa();
    app.use(sse({ hub, path: '/events' }));
    const { url } = await harness.serve(app);
    const client = await harness.connect(`${url}/events`);
    await client.waitFor((c) => c.raw === RETRY, 5000, 'the retry line');
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['cache-control']).toBe('no-cache, no-transform');
    expect(client.headers['x-accel-buffering']).toBe('no');
    expect(client.headers.connection).toBe('keep-alive');
    expect(client.bytes[0]?.toString('utf8')).toBe(RETRY);
    expect(hub.stats().connections).toBe(1);
  });

  it('delivers published events byte-exact, each before the next is published', async () => {
    const hub = harness.hub();
    const app = new Koa();
    app.use(sse({ hub, path: '/events' }));
    const { url } = await harness.serve(app);
    const client = await harness.connect(`${url}/events?topic=news`);
    await client.waitFor((c) => c.raw === RETRY);
    const first = await hub.publish('news', { event: 'headline', data: 'one\ntwo' });
    await client.waitForEvents(1);
    const second = await hub.publish('news', { data: { n: 2 } });
    await client.waitForEvents(2);
    expect(first.delivered).toBe(1);
    expect(client.raw).toBe(RETRY + wireFrame(first.id, 'one\ntwo', 'headline') + wireFrame(second.id, '{"n":2}'));
  });

  it('passes other paths and other methods on to next()', async () => {
    const hub = harness.hub();
    const app = new Koa();
    app.use(sse({ hub, path: '/events' }));
    app.use((ctx) => {
      ctx.body = `next: ${ctx.method} ${ctx.path}`;
    });
    const { url } = await harness.serve(app);
    const other = await request(`${url}/other`);
    const post = await request(`${url}/events`, { method: 'POST', body: '{}' });
    const nested = await request(`${url}/events/more`);
    expect([other.text, post.text, nested.text]).toEqual([
      'next: GET /other',
      'next: POST /events',
      'next: GET /events/more',
    ]);
    expect(hub.stats().connections).toBe(0);
  });

  it('streams every GET request that reaches it when no path is given', async () => {
    const hub = harness.hub();
    const app = new Koa();
    app.use(sse({ hub }));
    const { url } = await harness.serve(app);
    const client = await harness.connect(`${url}/anything?topic=t`);
    await client.waitFor((c) => c.raw === RETRY);
    const sent = await hub.publish('t', { data: 'x' });
    await client.waitForEvents(1);
    expect(client.raw).toBe(RETRY + wireFrame(sent.id, 'x'));
  });

  it('streams router.get("/events", sse({ hub })) on every ?topic= of the request', async () => {
    const hub = harness.hub();
    const app = new Koa();
    const router = new Router();
    router.get('/events', sse({ hub }));
    router.get('/health', (ctx) => {
      ctx.body = 'ok';
    });
    app.use(router.routes());
    const { url } = await harness.serve(app);
    const client = await harness.connect(`${url}/events?topic=a&topic=b`);
    await client.waitFor((c) => c.raw === RETRY);
    const onB = await hub.publish('b', { data: 'to b' });
    const onC = await hub.publish('c', { data: 'to c' });
    const onA = await hub.publish('a', { data: 'to a' });
    await client.waitForEvents(2);
    expect(onC.delivered).toBe(0);
    expect(client.raw).toBe(RETRY + wireFrame(onB.id, 'to b') + wireFrame(onA.id, 'to a'));
    expect((await request(`${url}/health`)).text).toBe('ok');
  });

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

  it('resumes from Last-Event-ID through Koa', async () => {
    const hub = harness.hub();
    const app = new Koa();
    app.use(sse({ hub, path: '/events' }));
    const { url } = await harness.serve(app);
    const sent = [];
    for (const data of ['m0', 'm1', 'm2']) sent.push(await hub.publish('default', { data }));
    const client = await harness.connect(`${url}/events`, { lastEventId: sent[0]?.id });
    await client.waitForEvents(2);
    const live = await hub.publish('default', { data: 'live' });
    await client.waitForEvents(3);
    expect(client.raw).toBe(
      RETRY + wireFrame(sent[1]?.id ?? '', 'm1') + wireFrame(sent[2]?.id ?? '', 'm2') + wireFrame(live.id, 'live'),
    );
  });
});
