import { SsekitError, createHub, isSsekitError } from '@ssekit/core';
import {
  ALREADY_STARTED,
  RETRY,
  SseClient,
  describeEachAdapter,
  eventually,
  openClient,
  request,
  testHub,
} from '@ssekit/testkit';
import { afterEach, beforeEach, expect, it, onTestFinished, vi } from 'vitest';

// The misuse a new user meets in the first hour (issue 11), each failing loudly at the first
// moment it can be known, on every adapter it applies to.

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  unhandled.length = 0;
});

/** Lets a rejection nobody handles reach 'unhandledRejection' before a test asserts none did. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describeEachAdapter('publishing after hub.close()', (adapter) => {
  it('rejects with closed, handled as the docs show; streams end and late requests get 503', async () => {
    const hub = createHub({ heartbeatMs: 0, retry: 1000 });
    const reported: unknown[] = [];
    const server = await adapter.serve(hub, { onError: (err) => reported.push(err) });
    const client = await SseClient.connect(`${server.url}/events?topic=clock`);
    // The docs' publishing timer: a rejection is handled, and `closed` ends the timer.
    const failures: unknown[] = [];
    let stopped = false;
    const timer = setInterval(() => {
      hub.publish('clock', { data: 'tick' }).catch((err: unknown) => {
        if (!isSsekitError(err, 'closed')) failures.push(err);
        clearInterval(timer);
        stopped = true;
      });
    }, 5);
    try {
      await client.waitFor((c) => c.events.length >= 2);
      await hub.close();
      await client.ended;
      expect(client.completed).toBe(true);
      const late = await hub.publish('clock', { data: 'late' }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(late).toBeInstanceOf(SsekitError);
      expect((late as SsekitError).code).toBe('closed');
      await eventually(() => stopped, 'the timer to meet `closed` and stop');
      const answer = await request(`${server.url}/events?topic=clock`, { headers: { accept: 'text/event-stream' } });
      expect(answer.status).toBe(503);
      expect(answer.json).toEqual({ error: 'ssekit: the server is shutting down; reconnect later.' });
      expect(reported.map((err) => (err as SsekitError).code)).toEqual(['closed']);
    } finally {
      clearInterval(timer);
      client.close();
    }
    await settle();
    expect(failures).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});

describeEachAdapter(
  'app-wide mounting without a path',
  (adapter) => {
    it.each([
      ['a browser page', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }],
      ['a JSON client', { accept: 'application/json' }],
      ['anything', { accept: '*/*' }],
      ['no Accept at all', {}],
    ])('leaves GET /health alone for %s, and subscribes nothing', async (_label, headers) => {
      const hub = createHub({ heartbeatMs: 0 });
      const server = await adapter.serve(hub, {}, { mount: 'app' });
      try {
        const health = await request(`${server.url}/health`, { headers });
        expect([health.status, health.json]).toEqual([200, { ok: true }]);
        expect(health.headers['content-type']).not.toMatch(/event-stream/);
        const head = await request(`${server.url}/health`, { method: 'HEAD', headers });
        expect(head.status).toBe(200);
        expect(head.headers['content-type']).not.toMatch(/event-stream/);
        expect(hub.stats().connections).toBe(0);
        expect(server.errors).toEqual([]);
      } finally {
        await hub.close();
      }
    });
  },
  (adapter) => adapter.appWide,
);

describeEachAdapter(
  'the hand-driven form',
  (adapter) => {
    const make = (options: Record<string, unknown>): Promise<void> =>
      (adapter.makeHandDriven as (options: Record<string, unknown>) => Promise<void>)(options);

    it.each([
      ['a negative retry', { retry: -5 }, '`retry` must be a non-negative integer of milliseconds; got -5.'],
      ['a hub option', { hub: createHub() }, 'unknown option `hub`'],
      ['a bad policy', { slowClientPolicy: 'drop' }, "`slowClientPolicy` must be 'disconnect' or 'drop-oldest'."],
    ])('refuses %s when it is made, naming the option', async (_label, options, message) => {
      const caught = await make(options).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(caught).toBeInstanceOf(SsekitError);
      expect((caught as SsekitError).code).toBe('invalid_option');
      expect((caught as SsekitError).message).toMatch(/^ssekit: sse\(handler, options\): /);
      expect((caught as SsekitError).message).toContain(message);
    });
  },
  (adapter) => adapter.makeHandDriven !== undefined,
);

describeEachAdapter(
  'misuse: something wrote before the stream',
  (adapter) => {
    it('refuses with headers_sent and leaves that response as it was, subscribing nothing', async () => {
      const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      onTestFinished(() => {
        logged.mockRestore();
      });
      const hub = testHub();
      const server = await adapter.serve(hub, {}, { prelude: 'write' });
      const client = await openClient(`${server.url}/events`);
      expect(client.status).toBe(200);
      expect(client.headers['content-type']).toBe('text/plain');
      await client.waitFor((c) => c.raw === ALREADY_STARTED, 5000, 'what the middleware wrote');
      await eventually(() => !adapter.errorChannel || server.errors.length > 0, 'the refusal');
      expect(server.errors.map((err) => [(err as SsekitError).code, (err as SsekitError).status])).toEqual(
        adapter.errorChannel ? [['headers_sent', 500]] : [],
      );
      expect(client.raw).toBe(ALREADY_STARTED);
      expect(hub.stats().connections).toBe(0);
      // Where the adapter answers refusals itself, it logs this 500 too.
      const reported = (logged.mock.calls as unknown[][]).map(([message, , err]) => [
        message,
        (err as SsekitError).code,
      ]);
      expect(reported).toEqual(adapter.errorChannel ? [] : [['ssekit: a stream request failed', 'headers_sent']]);
    });
  },
  (adapter) => adapter.preludes.includes('write'),
);

describeEachAdapter(
  'misuse: a middleware before the stream that neither awaits nor returns next()',
  (adapter) => {
    it('still streams, and reports the missing await on the app, never as an unhandled rejection', async () => {
      const hub = testHub();
      const server = await adapter.serve(hub, {}, { prelude: 'unawaited' });
      const client = await openClient(`${server.url}/events`, {}, RETRY);
      expect(client.status).toBe(200);
      await eventually(() => server.errors.length > 0, 'the report');
      expect(server.errors).toHaveLength(1);
      const err = server.errors[0] as SsekitError;
      expect(err).toBeInstanceOf(SsekitError);
      expect(err.code).toBe('headers_sent');
      expect(err.message).toBe(
        'ssekit: the Koa middleware chain finished before sse() did: a middleware before it calls next() without `await` or `return`. Write `await next()` (or `return next()`).',
      );
      const { id } = await hub.publish('default', { data: 'still here' });
      await client.waitFor((c) => c.raw === `${RETRY}id: ${id}\ndata: still here\n\n`, 5000, 'the event');
    });

    it('answers a refusal itself once the chain has gone, and reports both', async () => {
      const hub = testHub();
      const server = await adapter.serve(
        hub,
        {
          authorize: async () => {
            await new Promise((resolve) => setTimeout(resolve, 10));
            return [];
          },
        },
        { prelude: 'unawaited' },
      );
      const client = await openClient(`${server.url}/events`);
      await client.ended;
      expect(client.status).toBe(403);
      expect(client.raw).toBe('{"error":"ssekit: no topic of this request may be received."}');
      await eventually(() => server.errors.length > 0, 'the report');
      expect(server.errors.map((err) => (err as SsekitError).code)).toEqual(['headers_sent']);
      expect(hub.stats().connections).toBe(0);
    });
  },
  (adapter) => adapter.preludes.includes('unawaited'),
);

describeEachAdapter(
  'misuse: a stream declared before its plugin is registered',
  (adapter) => {
    it('makes the app refuse to start, naming the route and the fix, instead of hanging every request', async () => {
      const hub = testHub();
      await expect(adapter.serve(hub, {}, { routeBeforePlugin: true })).rejects.toThrow(
        new SsekitError(
          'invalid_option',
          'ssekit: GET /events is declared with `sse`, but no @ssekit/fastify plugin wrapped it: register the plugin, and await it (`await app.register(ssekit, { hub })`), before declaring { sse } routes, in the same context or a parent of theirs.',
        ),
      );
    });
  },
  (adapter) => adapter.plugin,
);
