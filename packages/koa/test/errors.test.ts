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

/** What every EventSource sends: mounted app-wide without `path`, sse() streams only these. */
const STREAM = { accept: 'text/event-stream' };

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
    label: 'authorize refusing with SsekitError("unauthorized")',
    path: '/events',
    headers: STREAM,
    mount: (app, hub) => {
      app.use(
        sse({
          hub,
          authorize: () => {
            throw new SsekitError('unauthorized', 'ssekit: sign in to listen.');
          },
        }),
      );
    },
    status: 401,
    code: 'unauthorized',
  },
  {
    label: 'authorize refusing with SsekitError("forbidden")',
    path: '/events',
    headers: STREAM,
    mount: (app, hub) => {
      app.use(
        sse({
          hub,
          authorize: () => {
            throw new SsekitError('forbidden', 'ssekit: not for you.');
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
    headers: STREAM,
    mount: (app, hub) => {
      app.use(sse({ hub, authorize: (_ctx, topics) => topics.filter((topic) => topic !== 'secret') }));
    },
    status: 403,
    code: 'forbidden',
  },
];

describe.each(KOA_VERSIONS)('$name: refusals before the stream starts', ({ Koa }) => {
  it('refuses a bad option of a hand-driven stream when sse() is called', () => {
    expect(() => sse(() => undefined, { retry: 1.5 })).toThrow(
      new SsekitError(
        'invalid_option',
        'ssekit: sse(handler, options): `retry` must be a non-negative integer of milliseconds; got 1.5.',
      ),
    );
  });

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
});
