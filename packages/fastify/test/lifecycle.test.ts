import { SsekitError, createHub } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ssekit } from '../src/index.js';
import { closedAfterEach, listen, streamOpen } from './helpers.js';

let app: FastifyInstance | undefined;
let hub: Hub | undefined;
const connect = closedAfterEach(() => [hub, app]);

describe('{ sse } routes the plugin never wrapped', () => {
  it('make ready() reject for a route of several methods declared before the plugin, naming it', async () => {
    hub = createHub({ heartbeatMs: 0 });
    app = Fastify();
    app.route({ method: ['GET', 'HEAD'], url: '/both', sse: true, handler: streamOpen });
    await app.register(ssekit, { hub });
    await expect(app.ready()).rejects.toThrow('ssekit: GET,HEAD /both is declared with `sse`');
  });

  it('leave out a declaration refused for a bad option, which added no route', async () => {
    hub = createHub({ heartbeatMs: 0 });
    app = Fastify();
    await app.register(ssekit, { hub });
    expect(() => app?.get('/events', { sse: { retry: -1 } }, streamOpen)).toThrow(SsekitError);
    await app.ready();
    expect(app.hasRoute({ method: 'GET', url: '/events' })).toBe(false);
  });
});

describe('app.close()', () => {
  it("ends the plugin's open streams cleanly and leaves the hub open", async () => {
    hub = createHub({ retry: 3000, heartbeatMs: 0 });
    app = Fastify();
    await app.register(ssekit, { hub });
    app.get('/events', { sse: true }, streamOpen);
    app.get('/ticks', (_request, reply) => reply.sse((stream) => stream.send({ data: 'tick' })));
    const base = await listen(app);
    const events = await connect(`${base}/events`);
    const ticks = await connect(`${base}/ticks`);
    await events.waitFor((c) => c.retries.length === 1);
    await ticks.waitForEvents(1);

    await app.close();
    await Promise.all([events.ended, ticks.ended]);
    expect([events.raw, ticks.raw]).toEqual(['retry: 3000\n', 'data: tick\n\n']);
    expect([hub.closed, hub.stats().connections]).toEqual([false, 0]);
  });
});
