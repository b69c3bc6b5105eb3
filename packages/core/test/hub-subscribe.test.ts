import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub, parseLastEventId } from '../src/index.js';
import { block, expectThrowsCode } from './support/helpers.js';
import { closeHubs, hubFor } from './support/hubs.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

afterEach(closeHubs);

describe('subscribe', () => {
  it('writes the retry hint first, at once, on every stream', () => {
    const hub = hubFor();
    const sinks = [new TestSink(), new TestSink()];
    hub.subscribe(sinks[0]!, { topics: ['a'] });
    hub.subscribe(sinks[1]!, { topics: ['b'], lastEventId: parseLastEventId('whatever') });
    // Synchronously: before any publish or replay.
    for (const sink of sinks) expect(sink.writes).toEqual([RETRY]);
  });

  it('takes the retry hint from the hub, the subscription, or sends none', () => {
    const fromHub = new TestSink();
    hubFor({ retry: 1500 }).subscribe(fromHub);
    expect(fromHub.writes).toEqual(['retry: 1500\n']);

    const perStream = new TestSink();
    hubFor({ retry: 1500 }).subscribe(perStream, { retry: 250 });
    expect(perStream.writes).toEqual(['retry: 250\n']);

    const none = new TestSink();
    hubFor({ retry: undefined }).subscribe(none);
    expect(none.writes).toEqual([]);
  });

  it('refuses a retry option that is not a non-negative integer', () => {
    expectThrowsCode(() => createHub({ retry: -1 }), 'invalid_option');
    expectThrowsCode(() => createHub({ retry: 1.5 }), 'invalid_option');
  });

  it('subscribes to the default topic when given none', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    const stream = hub.subscribe(sink);
    expect(stream.topics).toEqual(['default']);
    const { id } = await hub.publish('default', { data: 'd' });
    expect(sink.text).toBe(RETRY + block(id, { data: 'd' }));
  });

  it('delivers a multi-topic subscriber every event of its topics, once, in publish order', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['a', 'b', 'a'] });
    expect(stream.topics).toEqual(['a', 'b']);
    const r1 = await hub.publish('a', { data: '1' });
    const r2 = await hub.publish('c', { data: 'not mine' });
    const r3 = await hub.publish('b', { data: '3' });
    const r4 = await hub.publish('a', { data: '4' });
    expect(r2.delivered).toBe(0);
    expect(sink.text).toBe(
      RETRY + block(r1.id, { data: '1' }) + block(r3.id, { data: '3' }) + block(r4.id, { data: '4' }),
    );
  });

  it('lets the application send to one stream only', async () => {
    const hub = hubFor<{ hello: { name: string } }>();
    const a = new TestSink();
    const b = new TestSink();
    const stream = hub.subscribe(a, { topics: ['t'] });
    hub.subscribe(b, { topics: ['t'] });
    expect(stream.send({ event: 'hello', data: { name: 'a' } })).toBe(true);
    await settle();
    expect(a.text).toBe(RETRY + 'event: hello\ndata: {"name":"a"}\n\n');
    expect(b.text).toBe(RETRY);
  });

  it('ends the stream with reason client when its AbortSignal aborts, and forgets the listener', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    const controller = new AbortController();
    const stream = hub.subscribe(sink, { topics: ['t'], signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);

    controller.abort();
    await settle();

    expect(sink.ends).toEqual(['client']);
    expect(stream.closed).toBe(true);
    expect(stream.signal.aborted).toBe(true);
    expect(stream.signal.reason).toBe('client');
    expect(hub.stats()).toMatchObject({ connections: 0, topics: {} });
    expect((await hub.publish('t', { data: 'late' })).delivered).toBe(0);
    expect(sink.text).toBe(RETRY);
  });

  it('removes its listener from a long-lived AbortSignal when the stream ends another way', async () => {
    const hub = hubFor();
    const controller = new AbortController();
    for (let i = 0; i < 5; i++) {
      const stream = hub.subscribe(new TestSink(), { signal: controller.signal });
      await stream.close('client');
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('ends the stream at once for an already aborted signal', () => {
    const hub = hubFor();
    const sink = new TestSink();
    const controller = new AbortController();
    controller.abort();
    const stream = hub.subscribe(sink, { signal: controller.signal, lastEventId: parseLastEventId('1') });
    expect(stream.closed).toBe(true);
    expect(sink.ends).toEqual(['client']);
    expect(hub.stats().connections).toBe(0);
  });
});
