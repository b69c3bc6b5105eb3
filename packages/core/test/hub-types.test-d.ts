import { describe, expectTypeOf, it } from 'vitest';
import { SsekitError, createHub, isSsekitError, openStream } from '../src/index.js';
import type {
  AdmissionOptions,
  EventsOf,
  Hub,
  HubStats,
  PublishEvent,
  PublishResult,
  RegisteredEvents,
  SseStream,
  SsekitErrorCode,
  Subscription,
  Sink,
} from '../src/index.js';

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
      final?: boolean;
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

describe('RegisteredEvents', () => {
  it('is any event map while no app declares its hub in Register', () => {
    expectTypeOf<RegisteredEvents>().toEqualTypeOf<Record<string, unknown>>();
  });
});

describe('openStream', () => {
  it('opens a stream typed by its event map, on a sink', () => {
    const stream = openStream<{ tick: { n: number } }>(sink, { retry: 1000, heartbeatMs: 0 });
    expectTypeOf(stream).toEqualTypeOf<SseStream<{ tick: { n: number } }>>();
    stream.send({ event: 'tick', data: { n: 1 } });
    // @ts-expect-error 'tock' is not in the map
    stream.send({ event: 'tock', data: { n: 1 } });
    // @ts-expect-error n must be a number
    stream.send({ event: 'tick', data: { n: '1' } });
    expectTypeOf(openStream(sink)).toEqualTypeOf<SseStream>();
    // @ts-expect-error not an option of a stream without a hub
    openStream(sink, { topics: ['a'] });
  });
});

describe('the admission options', () => {
  it('take topics as a list or a function, and authorize returns the topics it allows', () => {
    const hub = createHub();
    const fixed: AdmissionOptions<object, Request> = { hub, topics: ['a', 'b'] };
    const computed: AdmissionOptions<object, Request> = {
      hub,
      topics: async (request) => Promise.resolve([new URL(request.url).pathname.slice(1)]),
      authorize: (_request, topics) => topics.filter((topic) => topic !== 'secret'),
    };
    expectTypeOf(fixed).toExtend<AdmissionOptions<object, Request>>();
    expectTypeOf(computed).toExtend<AdmissionOptions<object, Request>>();
    // @ts-expect-error a boolean is not the list of allowed topics
    const boolean: AdmissionOptions<object, Request> = { hub, authorize: () => true };
    expectTypeOf(boolean).toExtend<AdmissionOptions<object, Request>>();
  });
});

describe('SsekitError', () => {
  it('has unauthorized (401) beside forbidden (403)', () => {
    expectTypeOf<'unauthorized'>().toExtend<SsekitErrorCode>();
    expectTypeOf<'forbidden'>().toExtend<SsekitErrorCode>();
    const error: unknown = new SsekitError('unauthorized', 'log in first');
    if (isSsekitError(error, 'unauthorized')) expectTypeOf(error.status).toEqualTypeOf<number>();
    // @ts-expect-error not a code
    expectTypeOf(new SsekitError('unauthorised', 'log in first')).toEqualTypeOf<SsekitError>();
  });
});
