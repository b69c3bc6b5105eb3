import type { SseStream } from '@ssekit/core';
import { sse } from '@ssekit/express';
import express from 'express';
import type { Response } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import { hub } from './app-hub.js';
import type { AppEvents } from './app-hub.js';

describe('res.sse with a registered hub', () => {
  it('carries the hub’s event map', () => {
    expectTypeOf<Response['sse']>().toEqualTypeOf<SseStream<AppEvents> | undefined>();
    const app = express();
    app.use(sse({ hub, path: '/events' }));
    app.use((_req, res, next) => {
      res.sse?.send({ event: 'news', data: { title: 'Welcome' } });
      res.sse?.send({ event: 'tick', data: { n: 1 }, id: '1' });
      next();
    });
  });

  it('refuses an event name the hub does not have', () => {
    express().use((_req, res) => {
      // @ts-expect-error 'weather' is not an event of the registered hub
      res.sse?.send({ event: 'weather', data: { title: 'Rain' } });
    });
  });

  it('refuses a payload of the wrong type', () => {
    express().use((_req, res) => {
      // @ts-expect-error news carries { title: string }
      res.sse?.send({ event: 'news', data: { title: 42 } });
      // @ts-expect-error tick carries { n: number }
      res.sse?.send({ event: 'tick', data: 'one' });
    });
  });
});
