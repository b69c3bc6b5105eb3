import { SsekitError, createHub } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import { SseClient } from '@ssekit/testkit';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ssekit } from '../src/index.js';

// An `{ sse }` route no registration of the plugin wrapped would answer nothing, ever: Fastify
// runs its handler, which does not answer. `ready()` (and so `listen()`) rejects instead, naming
// the route and the fix.

const apps: FastifyInstance[] = [];
let hub: Hub;

afterEach(async () => {
  await hub.close();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function makeApp(): FastifyInstance {
  hub = createHub({ heartbeatMs: 0, retry: 1000 });
  const app = Fastify();
  apps.push(app);
  return app;
}

const FIX =
  'but no @ssekit/fastify plugin wrapped it: register the plugin, and await it (`await app.register(ssekit, { hub })`), before declaring { sse } routes, in the same context or a parent of theirs.';

async function readyError(app: FastifyInstance): Promise<SsekitError> {
  const caught = await app.ready().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(caught).toBeInstanceOf(SsekitError);
  expect((caught as SsekitError).code).toBe('invalid_option');
  return caught as SsekitError;
}

describe('an { sse } route the plugin never wrapped', () => {
  it('declared before register: ready() rejects naming the route and the fix', async () => {
    const app = makeApp();
    app.get('/events', { sse: true }, () => undefined);
    await app.register(ssekit, { hub });
    const error = await readyError(app);
    expect(error.message).toBe(`ssekit: GET /events is declared with \`sse\`, ${FIX}`);
  });

  it('declared after a register that was not awaited: ready() rejects naming each route', async () => {
    const app = makeApp();
    void app.register(ssekit, { hub });
    app.get('/events', { sse: true }, () => undefined);
    app.get('/rooms/:room', { sse: { topics: (request) => [(request.params as { room: string }).room] } }, () => {
      // never reached
    });
    const error = await readyError(app);
    expect(error.message).toBe(
      `ssekit: GET /events, GET /rooms/:room are declared with \`sse\`, ${FIX.replace('wrapped it', 'wrapped them')}`,
    );
  });

  it('declared in a sibling context of the registration: ready() rejects naming it', async () => {
    const app = makeApp();
    await app.register(async (feed) => {
      await feed.register(ssekit, { hub });
      feed.get('/feed', { sse: true }, () => undefined);
    });
    await app.register(
      async (admin) => {
        admin.get('/events', { sse: true }, () => undefined);
        await Promise.resolve();
      },
      { prefix: '/admin' },
    );
    const error = await readyError(app);
    expect(error.message).toBe(`ssekit: GET /admin/events is declared with \`sse\`, ${FIX}`);
  });

  it('makes listen() reject too, so no server ever answers with a hang', async () => {
    const app = makeApp();
    app.get('/events', { sse: true }, () => undefined);
    const caught = await app.listen({ port: 0, host: '127.0.0.1' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((caught as Error).message).toContain('GET /events is declared with `sse`');
    expect(app.server.listening).toBe(false);
  });
});

describe('an app that registers the plugin first, and awaits it', () => {
  it('is ready, in the registering context and in its children, and streams', async () => {
    const app = makeApp();
    await app.register(ssekit, { hub });
    app.get('/events', { sse: true }, () => undefined);
    await app.register(
      async (child) => {
        child.get('/events', { sse: { topics: ['child'] } }, () => undefined);
        await Promise.resolve();
      },
      { prefix: '/child' },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const client = await SseClient.connect(`http://127.0.0.1:${port}/child/events`);
    try {
      await client.waitFor((c) => c.retries.length === 1);
      await hub.publish('child', { data: 'hello' });
      await client.waitFor((c) => c.events.length === 1);
      expect(client.events.map((event) => event.data)).toEqual(['hello']);
    } finally {
      client.close();
    }
  });

  it('is ready when the route is declared in a child context registered after the plugin', async () => {
    const app = makeApp();
    void app.register(ssekit, { hub });
    // register() queues in order: this child loads after the plugin, even without await.
    void app.register(async (child) => {
      child.get('/events', { sse: true }, () => undefined);
      await Promise.resolve();
    });
    await expect(app.ready().then(() => 'ready')).resolves.toBe('ready');
  });
});

describe('an { sse } route with options that do not fit', () => {
  it.each([
    ['a negative retry', { retry: -5 }, '`retry` must be a non-negative integer of milliseconds; got -5.'],
    [
      'an unknown key',
      { topic: ['news'] },
      'unknown option `topic`; did you mean `topics`? It takes `topics`, `authorize`, `retry`, `headers`, `cors`, `clientKey`, `limitResponse`, `limitRetryMs`, `onError`.',
    ],
    [
      'a hub of its own, which the plugin’s would silently replace',
      { hub: createHub() },
      'unknown option `hub`? It takes `topics`, `authorize`, `retry`, `headers`, `cors`, `clientKey`, `limitResponse`, `limitRetryMs`, `onError`.',
    ],
  ])('fails at its declaration for %s, naming the route and the option', async (_label, options, message) => {
    const app = makeApp();
    await app.register(ssekit, { hub });
    let caught: unknown;
    try {
      app.get('/events', { sse: options as never }, () => undefined);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SsekitError);
    expect((caught as SsekitError).message).toBe(`ssekit: the \`sse\` option of GET /events: ${message}`);
  });

  it('fails at its declaration on a method EventSource never sends', async () => {
    const app = makeApp();
    await app.register(ssekit, { hub });
    expect(() => app.post('/events', { sse: true }, () => undefined)).toThrow(
      'ssekit: `sse` is for GET routes (EventSource only sends GET); remove it from POST /events.',
    );
  });
});
