import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHub } from '@ssekit/core';
import type { EventsOf } from '@ssekit/core';
import { createSseHandler } from '@ssekit/node';
import { afterEach, describe, expect, it } from 'vitest';
import { subscribe } from '../src/index.js';
import type { ClientEvent, SsekitClientError, Subscription } from '../src/index.js';
import { closeServers, serveHub, sleep, until } from './support/servers.js';

// The server's event map, as an app would declare it next to its hub.
interface Events {
  price: { symbol: string; value: number };
  note: string;
  message: { n: number };
}

// Closed after each test, whatever their event maps.
const subscriptions: { close(): void }[] = [];
afterEach(async () => {
  for (const subscription of subscriptions.splice(0)) subscription.close();
  await closeServers();
});

function track<T extends object>(subscription: Subscription<T>): Subscription<T> {
  subscriptions.push(subscription);
  return subscription;
}

/** Collects every event of a subscription through a listener-free iterator, in order. */
function collect<T extends object>(subscription: Subscription<T>): { events: ClientEvent<T>[]; done: Promise<void> } {
  const events: ClientEvent<T>[] = [];
  const done = (async () => {
    for await (const event of subscription) events.push(event);
  })();
  return { events, done };
}

describe('against a real hub (@ssekit/core) behind @ssekit/node', () => {
  it('receives typed events from createSseHandler, with the map taken from the hub type', async () => {
    const hub = createHub<Events>({ retry: 50 });
    const server = http.createServer(createSseHandler({ hub }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events?topic=prices`;
    try {
      const subscription = track(subscribe<EventsOf<typeof hub>>(url));
      const seen: string[] = [];
      subscription.on('price', (event) => seen.push(`${event.data.symbol}=${event.data.value}`));
      await until(() => hub.stats().connections === 1, 'the stream');
      const ids = [
        (await hub.publish('prices', { event: 'price', data: { symbol: 'ACME', value: 42 } })).id,
        (await hub.publish('prices', { event: 'note', data: 'line one\nline two' })).id,
        (await hub.publish('prices', { data: { n: 3 } })).id,
      ];
      const events: ClientEvent<Events>[] = [];
      for await (const event of subscription) {
        events.push(event);
        if (events.length === 3) break;
      }
      expect(events.map(({ type, data, id }) => ({ type, data, id }))).toEqual([
        { type: 'price', data: { symbol: 'ACME', value: 42 }, id: ids[0] },
        { type: 'note', data: 'line one\nline two', id: ids[1] },
        { type: 'message', data: { n: 3 }, id: ids[2] },
      ]);
      expect(seen).toEqual(['ACME=42']);
      // Leaving the loop closed the subscription: the hub counts no stream.
      await until(() => hub.stats().connections === 0, 'the stream to go');
    } finally {
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('resumes exactly (no gap, no duplicate, in order) when the server ends or drops streams during a publish run', async () => {
    const server = await serveHub<Events>({ retry: 30, replaySize: 1000 });
    const errors: SsekitClientError[] = [];
    const subscription = track(
      subscribe<Events>(`${server.url}/events?topic=run`, { onError: (error) => errors.push(error), retry: 5000 }),
    );
    const { events } = collect(subscription);
    await until(() => server.hub.stats().connections === 1, 'the stream');
    const total = 300;
    const ids: string[] = [];
    for (let n = 0; n < total; n++) {
      ids.push((await server.hub.publish('run', { event: 'note', data: `event ${n}` })).id);
      if (n === 80) {
        // A clean end: the client waits the server's retry (30 ms) and resumes.
        await server.streams.at(-1)!.close();
      }
      if (n === 180) {
        // An abrupt drop of the resumed stream: its socket dies; the client backs off and resumes.
        await until(() => server.requests.length === 2 && server.hub.stats().connections === 1, 'the resume');
        server.requests[1]!.res.destroy();
      }
      if (n % 20 === 0) await sleep(5);
    }
    await until(() => events.length >= total, `${total} events`, 15_000);
    await sleep(50);
    expect(events.map((event) => event.data)).toEqual(Array.from({ length: total }, (_, n) => `event ${n}`));
    expect(events.map((event) => event.id)).toEqual(ids);
    expect(server.requests).toHaveLength(3);
    expect(errors.map((error) => error.code)).toEqual(['network']);
    // Every reconnect carried the id of the last event the client had.
    const resumes = server.requests.slice(1).map((req) => req.headers['last-event-id']);
    expect(resumes.every((id) => typeof id === 'string' && ids.includes(id))).toBe(true);
    expect(server.hub.stats().replayed).toBeGreaterThan(0);
  });

  it('gets the typed reset with reason too_old when the hub no longer holds what it missed', async () => {
    const server = await serveHub<Events>({ retry: 20, replaySize: 5 });
    const old: string[] = [];
    for (let n = 0; n < 20; n++) old.push((await server.hub.publish('small', { event: 'note', data: `old ${n}` })).id);
    const reasons: string[] = [];
    const subscription = track(subscribe<Events>(`${server.url}/events?topic=small`, { lastEventId: old[2] }));
    subscription.on('ssekit-reset', (event) => reasons.push(event.data.reason));
    const { events } = collect(subscription);
    await until(() => server.hub.stats().connections === 1 && events.length === 1, 'the reset');
    const live = await server.hub.publish('small', { event: 'note', data: 'live' });
    await until(() => events.length === 2, 'the live event');
    expect(events).toEqual([
      {
        type: 'ssekit-reset',
        data: { reason: 'too_old', lastEventId: old[2] },
        id: old[2],
        raw: JSON.stringify({ reason: 'too_old', lastEventId: old[2] }),
      },
      { type: 'note', data: 'live', id: live.id, raw: 'live' },
    ]);
    expect(reasons).toEqual(['too_old']);
    expect(subscription.lastEventId).toBe(live.id);
  });

  it('gets the reset with reason unknown for an id the hub never issued', async () => {
    const server = await serveHub<Events>({ retry: 20 });
    const subscription = track(subscribe<Events>(`${server.url}/events`, { lastEventId: '999' }));
    const [reset] = await (async () => {
      const seen: ClientEvent<Events>[] = [];
      for await (const event of subscription) {
        seen.push(event);
        break;
      }
      return seen;
    })();
    expect(reset?.type === 'ssekit-reset' && reset.data).toEqual({ reason: 'unknown', lastEventId: '999' });
  });

  it('close() and an aborted signal release the stream: the hub counts 0 connections', async () => {
    const server = await serveHub<Events>({ retry: 20 });
    const first = track(subscribe<Events>(`${server.url}/events`));
    const controller = new AbortController();
    const second = track(subscribe<Events>(`${server.url}/events`, { signal: controller.signal }));
    await until(
      () => server.hub.stats().connections === 2 && first.state === 'open' && second.state === 'open',
      'two streams',
    );
    first.close();
    await until(() => server.hub.stats().connections === 1, 'one stream left');
    controller.abort();
    await until(() => server.hub.stats().connections === 0, 'no stream left');
    await sleep(100);
    expect(server.hub.stats().connections).toBe(0);
    expect(server.requests).toHaveLength(2);
    expect([first.state, second.state]).toEqual(['ended', 'ended']);
  });
});
