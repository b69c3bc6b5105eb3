import Router from '@koa/router';
import { SsekitError } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import { request } from '@ssekit/testkit';
import type Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { sse } from '../src/index.js';
import { KOA_VERSIONS, useHarness } from './support.js';

interface Case {
  label: string;
  path: string;
  headers?: Record<string, string>;
  mount: (app: Koa, hub: Hub) => void;
  status: number;
  code: SsekitError['code'];
}

const onEvents = (app: Koa, hub: Hub): void => {
  app.use(sse({ hub, path: '/events' }));
};

const cases: Case[] = [
  {
    label: 'a Last-Event-ID header that is not an id',
    path: '/events',
    headers: { 'last-event-id': 'bad id' },
    mount: onEvents,
    status: 400,
    code: 'invalid_last_event_id',
  },
  {
    label: 'a ?lastEventId= holding a line break',
    path: `/events?lastEventId=${encodeURIComponent('a\r\nevent: x')}`,
    mount: onEvents,
    status: 400,
    code: 'invalid_last_event_id',
  },
  {
    label: 'a topic outside the grammar',
    path: '/events?topic=two%20words',
    mount: onEvents,
    status: 400,
    code: 'invalid_topic',
  },
  {
    label: 'authorize refusing with SsekitError("forbidden")',
    path: '/events',
    mount: (app, hub) => {
      app.use(
        sse({
          hub,
          authorize: () => {
            throw new SsekitError('forbidden', 'ssekit: sign in to listen.');
          },
        }),
      );
    },
    status: 403,
    code: 'forbidden',
  },
  {
    label: 'authorize leaving no topic',
    path: '/events?topic=secret',
    mount: (app, hub) => {
      app.use(sse({ hub, authorize: (_ctx, topics) => topics.filter((topic) => topic !== 'secret') }));
    },
    status: 403,
    code: 'forbidden',
  },
  {
    label: 'a retry hint that is not an integer, on a hand-driven stream',
    path: '/ticks',
    mount: (app) => {
      const router = new Router();
      router.get(
        '/ticks',
        sse(() => undefined, { retry: 1.5 }),
      );
      app.use(router.routes());
    },
    status: 500,
    code: 'invalid_option',
  },
];

describe.each(KOA_VERSIONS)('$name: refusals before the stream starts', ({ Koa }) => {
  const harness = useHarness();

  for (const { label, path, headers, mount, status, code } of cases) {
    it(`throws into Koa's error handling with status ${status}: ${label}`, async () => {
      const hub = harness.hub();
      const app = new Koa();
      const errors: unknown[] = [];
      app.on('error', (err: unknown) => errors.push(err));
      mount(app, hub);
      const { url } = await harness.serve(app);
      const answer = await request(`${url}${path}`, { headers });
      expect(errors).toHaveLength(1);
      const err = errors[0] as SsekitError & { expose: boolean };
      expect(err).toBeInstanceOf(SsekitError);
      expect([err.code, err.status, err.expose]).toEqual([code, status, status < 500]);
      expect(answer.status).toBe(status);
      expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(answer.text).toBe(status < 500 ? err.message : 'Internal Server Error');
      expect(hub.stats().connections).toBe(0);
    });
  }

  it('answers 503 once the hub is closed, without showing the message', async () => {
    const hub = harness.hub();
    const app = new Koa();
    const errors: unknown[] = [];
    app.on('error', (err: unknown) => errors.push(err));
    app.use(sse({ hub, path: '/events' }));
    const { url } = await harness.serve(app);
    await hub.close();
    const answer = await request(`${url}/events`);
    expect([answer.status, answer.text]).toEqual([503, 'Service Unavailable']);
    expect((errors[0] as SsekitError).code).toBe('closed');
    expect((errors[0] as { expose?: boolean }).expose).toBe(false);
  });

  it('lets an error middleware of the app answer with the status and code', async () => {
    const hub = harness.hub();
    const app = new Koa();
    let caught: SsekitError | undefined;
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        if (!(err instanceof SsekitError)) throw err;
        caught = err;
        ctx.status = err.status;
        ctx.body = { error: err.message, code: err.code };
      }
    });
    app.use(sse({ hub, path: '/events' }));
    const { url } = await harness.serve(app);
    const answer = await request(`${url}/events`, { headers: { 'last-event-id': 'a,b' } });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(caught?.code).toBe('invalid_last_event_id');
    expect(answer.text).toBe(JSON.stringify({ error: caught?.message, code: 'invalid_last_event_id' }));
  });
});
