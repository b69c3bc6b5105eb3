import { afterEach, describe, expect, it } from 'vitest';
import { decodeGroupCursor, encodeGroupCursor, parseLastEventId } from '../src/index.js';
import { gate } from './support/helpers.js';
import { GroupedBus } from './support/grouped-bus.js';
import { GroupedMemoryStore } from './support/grouped-store.js';
import { TOPICS, dataOf } from './support/grouped-streams.js';
import { closeHubs, hubFor } from './support/hubs.js';
import { eventsOf } from './support/sse-events.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

afterEach(closeHubs);

describe('a new stream on several ordering groups', () => {
  it('starts at the heads: nothing from before it, in flight or not, and nothing after it missed', async () => {
    const store = new GroupedMemoryStore();
    const bus = new GroupedBus();
    const publisher = hubFor({ store, bus });
    const hub = hubFor({ store, bus });
    for (const topic of TOPICS) await publisher.publish(topic, { data: `${topic}-old` });
    // Stored before the stream starts, still on their way to its hub (the second subscriber).
    bus.hold('a', 1);
    bus.hold('b', 1);
    const early = [publisher.publish('a', { data: 'a-early' }), publisher.publish('b', { data: 'b-early' })];
    await settle();

    const heads = gate();
    store.holdHeads = heads;
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: TOPICS });
    await settle();
    // One early event arrives while the heads are read (held, then dropped), one after (dropped).
    bus.release('a', 1);
    heads.open();
    await stream.ready;
    store.holdHeads = undefined;
    // Published after the start, arriving before the older in-flight one of its group is let go.
    bus.hold('c', 1);
    const late = publisher.publish('c', { data: 'c-new' });
    await publisher.publish('a', { data: 'a-new' });
    await publisher.publish('b', { data: 'b-new' });
    bus.release('b', 1);
    bus.release('c', 1);
    await Promise.all([...early, late]);
    await hub.publish('c', { data: 'c-last' });

    expect(dataOf(sink)).toEqual(['a-new', 'b-new', 'c-new', 'c-last']);
    const ids = eventsOf(sink.text).map((event) => decodeGroupCursor(event.id!, TOPICS));
    expect(ids.at(-1)).toEqual(
      new Map([
        ['a', 3],
        ['b', 3],
        ['c', 3],
      ]),
    );
    expect(hub.stats()).toMatchObject({ delivered: 4, queuedBytes: 0, replayed: 0 });
  });

  it('evicts a stream whose held live events pass the budget while its heads are read', async () => {
    const store = new GroupedMemoryStore();
    const hub = hubFor({ store, bus: new GroupedBus(), maxBufferedBytes: 1000 });
    const heads = gate();
    store.holdHeads = heads;
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: TOPICS });
    await hub.publish('a', { data: 'x'.repeat(600) });
    await hub.publish('b', { data: 'y'.repeat(600) });
    heads.open();
    await stream.ready;
    expect(sink.ends).toEqual(['evicted']);
    expect(hub.stats()).toMatchObject({ evicted: 1, queuedBytes: 0, connections: 0 });
  });

  it('ends the stream with error when the store fails at its start, with nothing unhandled', async () => {
    const store = new GroupedMemoryStore();
    const errors: unknown[] = [];
    const hub = hubFor({ store, bus: new GroupedBus(), hooks: { error: (error) => errors.push(error) } });
    store.fail = new Error('store down');
    const fresh = new TestSink();
    const resuming = new TestSink();
    const streams = [
      hub.subscribe(fresh, { topics: TOPICS }),
      hub.subscribe(resuming, {
        topics: TOPICS,
        lastEventId: parseLastEventId(encodeGroupCursor(new Map(TOPICS.map((topic) => [topic, 0])))),
      }),
      hub.subscribe(new TestSink(), { topics: TOPICS, from: 'start' }),
    ];
    await Promise.all(streams.map((stream) => stream.ready));
    expect(fresh.ends).toEqual(['error']);
    expect(resuming.ends).toEqual(['error']);
    expect(errors).toHaveLength(3);
    expect(hub.stats()).toMatchObject({ connections: 0, replayMisses: 0 });
  });
});

describe('a new stream on one ordering group, on a topic its hub already follows', () => {
  it('leaves out an event from before its start that reaches the hub late, rather than write it out of order', async () => {
    const store = new GroupedMemoryStore();
    const bus = new GroupedBus();
    const publisher = hubFor({ store, bus });
    const hub = hubFor({ store, bus });
    hub.subscribe(new TestSink(), { topics: ['a'] });
    // Stored before the new stream opens, still on its way to its hub.
    bus.hold('a', 1);
    await publisher.publish('a', { data: 'a-before' });
    const reading = gate();
    store.holdSince = reading;
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['a'] });
    await settle();
    // Published after the start: read from the store; its live copy, behind the late one, too.
    const after = await publisher.publish('a', { data: 'a-after' });
    bus.release('a', 1);
    reading.open();
    await stream.ready;
    store.holdSince = undefined;
    const live = await publisher.publish('a', { data: 'a-live' });
    expect(dataOf(sink)).toEqual(['a-after', 'a-live']);
    expect(eventsOf(sink.text).map((event) => event.id)).toEqual([after.id, live.id]);
  });
});

describe('the first bytes of a new stream on an ordered store', () => {
  it.each([
    ['one group', ['a']],
    ['several groups', TOPICS],
  ])('wait for the heads read on %s: an event the client publishes once it sees them reaches it', async (_, topics) => {
    const store = new GroupedMemoryStore();
    const bus = new GroupedBus();
    const publisher = hubFor({ store, bus });
    const hub = hubFor({ store, bus });
    for (const topic of topics) await publisher.publish(topic, { data: `${topic}-before` });
    const heads = gate();
    store.holdHeads = heads;
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics });
    await settle();
    // Published while the heads are read: it may or may not be below them, so the stream has
    // not been seen to open yet.
    expect(sink.text).toBe('');
    heads.open();
    await stream.ready;
    store.holdHeads = undefined;
    expect(sink.text).toBe(RETRY);
    await publisher.publish(topics[0]!, { data: 'after' });
    await settle();
    expect(dataOf(sink)).toEqual(['after']);
  });
});
