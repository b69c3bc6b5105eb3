import { afterEach, describe, expect, it } from 'vitest';
import { openSse, serve, sleep, until } from './support/servers.js';
import { closeAll, drain, open } from './support/subscriptions.js';

afterEach(closeAll);

describe('subscribe: ending', () => {
  it('close() ends the iteration, releases the connection and stops reconnecting', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'retry: 10\ndata: hello\n\n');
    });
    const { subscription, states } = open(server.url);
    const iteration = drain(subscription);
    await until(() => subscription.state === 'open', 'open');
    await sleep(20);
    subscription.close();
    subscription.close();
    const { events, thrown } = await iteration;
    expect(events.map((event) => event.data)).toEqual(['hello']);
    expect(thrown).toBeUndefined();
    await server.requests[0]!.closed;
    expect(states).toEqual(['open', 'ended']);
    await sleep(60);
    expect(server.requests).toHaveLength(1);
  });

  it('an aborted signal closes it; an already aborted one sends nothing', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'data: hello\n\n');
    });
    const controller = new AbortController();
    const { subscription } = open(server.url, { signal: controller.signal });
    const iteration = drain(subscription);
    await until(() => server.requests.length === 1 && subscription.state === 'open', 'open');
    controller.abort();
    expect(subscription.state).toBe('ended');
    expect((await iteration).thrown).toBeUndefined();
    await server.requests[0]!.closed;

    const before = server.requests.length;
    const { subscription: never, states } = open(server.url, { signal: controller.signal });
    expect(never.state).toBe('ended');
    expect(states).toEqual(['ended']);
    expect(await drain(never)).toEqual({ events: [], thrown: undefined });
    await sleep(50);
    expect(server.requests).toHaveLength(before);
  });

  it('close() while waiting to reconnect stops the wait at once', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'retry: 60000\ndata: once\n\n');
      req.res.end();
    });
    const { subscription, states } = open(server.url);
    const iteration = drain(subscription);
    await until(() => subscription.state === 'retrying', 'retrying');
    const closing = Date.now();
    subscription.close();
    expect((await iteration).events.map((event) => event.data)).toEqual(['once']);
    expect(Date.now() - closing).toBeLessThan(30_000);
    expect(states).toEqual(['open', 'retrying', 'ended']);
  });
});
