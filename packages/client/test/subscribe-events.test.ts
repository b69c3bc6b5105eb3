import { afterEach, describe, expect, it, vi } from 'vitest';
import { subscribe, SsekitClientError } from '../src/index.js';
import { openSse, serve } from './support/servers.js';
import { closeAll, drain, open, subscriptions, take } from './support/subscriptions.js';

afterEach(closeAll);

describe('subscribe: events', () => {
  it('delivers typed events as { type, data, id, raw }, JSON decoded with a fallback to text', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'retry: 1000\n:\nid: 1\nevent: price\ndata: {"value":42}\n\nid: 2\ndata: plain text\n\n');
    });
    const { subscription, states } = open<{ price: { value: number }; message: string }>(`${server.url}/events`);
    expect(subscription.state).toBe('connecting');
    const events = await take(subscription, 2);
    expect(events).toEqual([
      { type: 'price', data: { value: 42 }, id: '1', raw: '{"value":42}' },
      { type: 'message', data: 'plain text', id: '2', raw: 'plain text' },
    ]);
    expect(subscription.lastEventId).toBe('2');
    // Leaving the loop closed it.
    expect(subscription.state).toBe('ended');
    expect(states).toEqual(['open', 'ended']);
    await server.requests[0]!.closed;
  });

  it('gives every listener and every iterator each event, listeners by name', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'event: a\ndata: 1\n\nevent: b\ndata: 2\n\nevent: a\ndata: 3\n\n');
    });
    const { subscription } = open<{ a: number; b: number }>(server.url);
    const a: number[] = [];
    const b: number[] = [];
    const removed: number[] = [];
    subscription.on('a', (event) => a.push(event.data));
    subscription.on('b', (event) => b.push(event.data));
    const remove = subscription.on('a', (event) => removed.push(event.data));
    remove();
    const [first, second] = await Promise.all([take(subscription, 3), take(subscription, 3)]);
    expect(first.map((event) => event.data)).toEqual([1, 2, 3]);
    expect(second).toEqual(first);
    expect(a).toEqual([1, 3]);
    expect(b).toEqual([2]);
    expect(removed).toEqual([]);
  });

  it("parses 'text' as text, and a function with the raw text and the event name", async () => {
    const server = await serve((req) => {
      openSse(req.res, 'event: n\ndata: 42\n\nevent: s\ndata: {"a":1}\n\n');
    });
    const text = open(server.url, { parse: 'text' });
    expect((await take(text.subscription, 2)).map((event) => event.data)).toEqual(['42', '{"a":1}']);
    const calls: [string, string][] = [];
    const custom = open(server.url, {
      parse: (raw, type) => {
        calls.push([raw, type]);
        return `${type}:${raw}`;
      },
    });
    expect((await take(custom.subscription, 2)).map((event) => event.data)).toEqual(['n:42', 's:{"a":1}']);
    expect(calls).toEqual([
      ['42', 'n'],
      ['{"a":1}', 's'],
    ]);
  });

  it('ends with a parse error when the parse function throws, after the events before it', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'id: 1\ndata: good\n\nid: 2\ndata: bad\n\nid: 3\ndata: never\n\n');
    });
    const { subscription, errors } = open(server.url, {
      parse: (raw) => {
        if (raw === 'bad') throw new Error('not a price');
        return raw;
      },
    });
    const { events, thrown } = await drain(subscription);
    expect(events.map((event) => event.data)).toEqual(['good']);
    expect(thrown).toBeInstanceOf(SsekitClientError);
    expect(thrown).toMatchObject({ code: 'parse', cause: new Error('not a price') });
    expect(errors).toEqual([thrown]);
    expect(subscription.state).toBe('ended');
    expect(subscription.error).toBe(thrown);
    expect(subscription.lastEventId).toBe('1');
  });

  it('keeps going when a listener or onState throws: the others run, the error is reported', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'data: 1\n\ndata: 2\n\n');
    });
    const { subscription, errors } = open(server.url, {
      onState: () => {
        throw new Error('state listener');
      },
    });
    const seen: unknown[] = [];
    subscription.on('message', () => {
      throw new Error('listener');
    });
    subscription.on('message', (event) => seen.push(event.data));
    const events = await take(subscription, 2);
    expect(events.map((event) => event.data)).toEqual([1, 2]);
    expect(seen).toEqual([1, 2]);
    expect(errors.map((error) => [error.code, (error.cause as Error).message])).toEqual([
      ['listener', 'state listener'],
      ['listener', 'listener'],
      ['listener', 'listener'],
      ['listener', 'state listener'],
    ]);
  });

  it('logs a throwing listener with console.error when there is no onError', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'data: 1\n\ndata: 2\n\n');
    });
    const logged: unknown[] = [];
    vi.spyOn(console, 'error').mockImplementation((error: unknown) => logged.push(error));
    const subscription = subscribe(server.url);
    subscriptions.push(subscription);
    subscription.on('message', () => {
      throw new Error('boom');
    });
    expect(await take(subscription, 2)).toHaveLength(2);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ code: 'listener', cause: new Error('boom') });
  });

  it('surfaces ssekit-reset as its own event, decoded as JSON whatever `parse` says', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'event: ssekit-reset\ndata: {"reason":"forgotten","lastEventId":"9"}\n\ndata: x\n\n');
    });
    const { subscription } = open<{ message: string }>(server.url, { parse: 'text', lastEventId: '9' });
    const resets: string[] = [];
    subscription.on('ssekit-reset', (event) => resets.push(event.data.reason));
    const events = await take(subscription, 2);
    expect(events[0]).toEqual({
      type: 'ssekit-reset',
      data: { reason: 'forgotten', lastEventId: '9' },
      id: '9',
      raw: '{"reason":"forgotten","lastEventId":"9"}',
    });
    expect(events[1]).toMatchObject({ type: 'message', data: 'x' });
    expect(resets).toEqual(['forgotten']);
  });
});
