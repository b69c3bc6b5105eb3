import { describe, expectTypeOf, it } from 'vitest';
import { createHub } from '../src/index.js';
import type { EventsOf, Hub, HubStats, PublishEvent, PublishResult, Subscription, Sink } from '../src/index.js';

declare const sink: Sink;

describe('createHub with an event map', () => {
  const hub = createHub<{ tick: { n: number } }>();

  it('accepts a known event name with its data type', () => {
    expectTypeOf(hub).toEqualTypeOf<Hub<{ tick: { n: number } }>>();
    expectTypeOf(hub.publish('t', { event: 'tick', data: { n: 1 } })).toEqualTypeOf<Promise<PublishResult>>();
    void hub.publish('t', { event: 'tick', data: { n: 1 }, id: 'a-1' });
  });

  it('rejects a wrong event name', () => {
    // @ts-expect-error 'tock' is not in the map
    void hub.publish('t', { event: 'tock', data: { n: 1 } });
  });

  it('rejects data of the wrong type', () => {
    // @ts-expect-error n must be a number
    void hub.publish('t', { event: 'tick', data: { n: '1' } });
    // @ts-expect-error data is required
    void hub.publish('t', { event: 'tick' });
  });

  it('lets a typed hub stand where any hub is expected (adapters take Hub<object>)', () => {
    expectTypeOf(hub).toExtend<Hub<object>>();
    expectTypeOf(createHub()).toExtend<Hub<object>>();
  });

  it('rejects an unnamed event when the map has no message key', () => {
    // @ts-expect-error no `message` entry: every event needs a name
    void hub.publish('t', { data: { n: 1 } });
    expectTypeOf<PublishEvent<{ tick: { n: number } }>>().toEqualTypeOf<{
      event: 'tick';
      data: { n: number };
      id?: string;
    }>();
  });

  it('types send() on a subscription', () => {
    const stream = hub.subscribe(sink, { topics: ['t'] });
    expectTypeOf(stream).toEqualTypeOf<Subscription<{ tick: { n: number } }>>();
    stream.send({ event: 'tick', data: { n: 2 } });
    // @ts-expect-error 'tock' is not in the map
    stream.send({ event: 'tock', data: { n: 2 } });
    // @ts-expect-error n must be a number
    stream.send({ event: 'tick', data: { n: 'x' } });
  });
});

describe('createHub with a message key', () => {
  const hub = createHub<{ message: string; tick: { n: number } }>();

  it('accepts unnamed events with the message data type', () => {
    void hub.publish('t', { data: 'hello' });
    void hub.publish('t', { event: 'message', data: 'hello' });
    void hub.publish('t', { event: 'tick', data: { n: 1 } });
    // @ts-expect-error unnamed events carry the `message` type
    void hub.publish('t', { data: { n: 1 } });
  });
});

describe('createHub without an event map', () => {
  const hub = createHub();

  it('accepts any name and data', () => {
    void hub.publish('t', { data: { anything: true } });
    void hub.publish('t', { event: 'whatever', data: 1 });
    void hub.publish('t', { event: 'x', data: 'y', id: '1' });
  });

  it('exposes stats, close and closed with their types', () => {
    expectTypeOf(hub.stats()).toEqualTypeOf<HubStats>();
    expectTypeOf(hub.stats().topics).toEqualTypeOf<Record<string, number>>();
    expectTypeOf<ReturnType<typeof hub.close>>().toEqualTypeOf<Promise<void>>();
    expectTypeOf(hub.closed).toEqualTypeOf<boolean>();
    // @ts-expect-error closed is read-only
    hub.closed = true;
    // @ts-expect-error a topic is a string
    void hub.publish(1, { data: 'x' });
  });
});

describe('EventsOf', () => {
  it('recovers the event map from a hub type', () => {
    const typed = createHub<{ tick: { n: number }; note: string }>();
    expectTypeOf(typed).toEqualTypeOf<Hub<{ tick: { n: number }; note: string }>>();
    expectTypeOf<EventsOf<typeof typed>>().toEqualTypeOf<{ tick: { n: number }; note: string }>();
    expectTypeOf<EventsOf<string>>().toBeNever();
  });
});
