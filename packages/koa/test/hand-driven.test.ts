import Router from '@koa/router';
import type { SseStream } from '@ssekit/core';
import { wireFrame } from '@ssekit/testkit';
import { describe, expect, it } from 'vitest';
import { sse } from '../src/index.js';
import { KOA_VERSIONS, RETRY, useHarness } from './support.js';

describe.each(KOA_VERSIONS)('$name: sse(handler) and ctx.sse', ({ Koa }) => {
  const harness = useHarness();

  it('hands a started stream to the handler, with ctx.sse set to it', async () => {
    const app = new Koa();
    const router = new Router();
    let same = false;
    router.get(
      '/hello/:name',
      sse(
        (stream, ctx) => {
          same = ctx.sse === stream;
          stream.send({ event: 'hello', data: ctx.params.name });
        },
        { retry: 500 },
      ),
    );
    app.use(router.routes());
    const { url } = await harness.serve(app);
    const client = await harness.connect(`${url}/hello/ann`);
    await client.waitForEvents(1);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.raw).toBe('retry: 500\nevent: hello\ndata: ann\n\n');
    expect(same).toBe(true);
  });

  it('keeps sending from outside the handler until the client leaves', async () => {
    const app = new Koa();
    let opened: SseStream | undefined;
    app.use(
      sse(
        (stream) => {
          opened = stream;
        },
        { path: '/feed', heartbeatMs: 0 },
      ),
    );
    const { url } = await harness.serve(app);
    const client = await harness.connect(`${url}/feed`);
    await client.waitFor(() => opened !== undefined);
    for (let n = 0; n < 3; n++) {
      opened?.send({ id: String(n), data: `tick ${n}` });
      await client.waitForEvents(n + 1);
    }
    expect(client.raw).toBe(wireFrame('0', 'tick 0') + wireFrame('1', 'tick 1') + wireFrame('2', 'tick 2'));
    client.close();
    await client.ended;
    await expect.poll(() => opened?.signal.reason as unknown).toBe('client');
  });

  it('ends the stream, with what was sent, and reports to app.on("error") when the handler throws', async () => {
    const app = new Koa();
    const errors: unknown[] = [];
    app.on('error', (err: unknown) => errors.push(err));
    const boom = new Error('boom');
    app.use(
      sse(async (stream) => {
        stream.send({ data: 'before' });
        await Promise.resolve();
        throw boom;
      }),
    );
    const { url } = await harness.serve(app);
    const client = await harness.connect(`${url}/`);
    await client.ended;
    expect(client.completed).toBe(true);
    expect(client.raw).toBe('data: before\n\n');
    expect(errors).toEqual([boom]);
  });

  it('lets middleware around sse({ hub }) send to the one client through ctx.sse', async () => {
    const hub = harness.hub();
    const app = new Koa();
    app.use(async (ctx, next) => {
      await next();
      ctx.sse?.send({ event: 'welcome', data: ctx.query.name });
    });
    app.use(sse({ hub, path: '/events' }));
    app.use((ctx) => {
      ctx.body = 'not reached';
    });
    const { url } = await harness.serve(app);
    const ann = await harness.connect(`${url}/events?name=ann`);
    await ann.waitForEvents(1);
    const sent = await hub.publish('default', { data: 'for all' });
    await ann.waitForEvents(2);
    expect(ann.raw).toBe(`${RETRY}event: welcome\ndata: ann\n\n${wireFrame(sent.id, 'for all')}`);
  });

  it('leaves ctx.sse undefined on requests it does not stream', async () => {
    const hub = harness.hub();
    const app = new Koa();
    app.use(sse({ hub, path: '/events' }));
    app.use((ctx) => {
      ctx.body = ctx.sse === undefined ? 'no stream here' : 'a stream';
    });
    const { url } = await harness.serve(app);
    const client = await harness.connect(`${url}/other`);
    await client.ended;
    expect(client.raw).toBe('no stream here');
  });
});
