import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SsekitError, createHub } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import { SseClient, eventually, request } from '@ssekit/testkit';
import Koa3 from 'koa';
import type { Next, ParameterizedContext } from 'koa';
import Koa2 from 'koa2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sse } from '../src/index.js';

// A middleware before sse() that calls next() without `await` or `return` ends Koa's chain
// before the stream starts. The client still gets its answer (the stream, or the refusal),
// the app's 'error' event gets a message naming the missing await, and nothing ends in an
// unhandled rejection.

const MISSING_AWAIT =
  'ssekit: the Koa middleware chain finished before sse() did: a middleware before it calls next() without `await` or `return`. Write `await next()` (or `return next()`).';

const closers: (() => Promise<void>)[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeEach(() => {
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  process.off('unhandledRejection', onUnhandled);
  unhandled.length = 0;
});

/** Lets a rejection nobody handles reach 'unhandledRejection' before the test asserts none did. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
}

/** A middleware that forgets to await (or return) next(). */
function forgetful(_ctx: ParameterizedContext, next: Next): void {
  void next();
}

for (const [name, Koa] of [
  ['koa 3', Koa3],
  ['koa 2', Koa2],
] as const) {
  describe(`sse() behind a middleware that does not await next() [${name}]`, () => {
    async function serve(hub: Hub): Promise<{ url: string; errors: unknown[] }> {
      const app = new Koa();
      const errors: unknown[] = [];
      app.on('error', (err: unknown) => errors.push(err));
      app.use(forgetful);
      app.use(
        sse({
          hub,
          path: '/events',
          authorize: async (_ctx, topics) => {
            // Still deciding when Koa's chain has long returned.
            await new Promise((resolve) => setTimeout(resolve, 20));
            return topics.filter((topic) => topic !== 'secret');
          },
        }),
      );
      const server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      closers.push(
        () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      );
      closers.push(() => hub.close());
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, errors };
    }

    it('streams all the same, and tells app.on("error") which middleware to fix', async () => {
      const hub = createHub({ heartbeatMs: 0, retry: 1000 });
      const { url, errors } = await serve(hub);
      const client = await SseClient.connect(`${url}/events?topic=news`);
      try {
        expect(client.status).toBe(200);
        await client.waitFor((c) => c.retries.length === 1);
        await hub.publish('news', { data: 'still here' });
        await client.waitFor((c) => c.events.length === 1);
        expect(client.events.map((event) => event.data)).toEqual(['still here']);
        await eventually(() => errors.length === 1, 'the error event');
        expect(errors[0]).toBeInstanceOf(SsekitError);
        expect((errors[0] as SsekitError).message).toBe(MISSING_AWAIT);
      } finally {
        client.close();
      }
      await settle();
      expect(unhandled).toEqual([]);
    });

    it('answers a refusal itself (not a 404, not a hang), and reports the missing await', async () => {
      const hub = createHub({ heartbeatMs: 0 });
      const { url, errors } = await serve(hub);
      const answer = await request(`${url}/events?topic=secret`);
      expect(answer.status).toBe(403);
      expect(answer.json).toEqual({ error: 'ssekit: no topic of this request may be received.' });
      await eventually(() => errors.length === 1, 'the error event');
      expect((errors[0] as SsekitError).message).toBe(MISSING_AWAIT);
      await settle();
      expect(unhandled).toEqual([]);
    });

    it('answers a 5xx refusal with its hidden message, and reports both the failure and the missing await', async () => {
      const hub = createHub({ heartbeatMs: 0 });
      const { url, errors } = await serve(hub);
      await hub.close();
      const answer = await request(`${url}/events?topic=news`);
      expect(answer.status).toBe(503);
      expect(answer.json).toEqual({ error: 'ssekit: the server is shutting down; reconnect later.' });
      await eventually(() => errors.length === 2, 'two error events');
      expect((errors[0] as SsekitError).code).toBe('closed');
      expect((errors[1] as SsekitError).message).toBe(MISSING_AWAIT);
      await settle();
      expect(unhandled).toEqual([]);
    });
  });
}
