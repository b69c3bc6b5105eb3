import { afterEach, describe, expect, it } from 'vitest';
import { MAX_CURSOR_GROUPS, createHub, decodeGroupCursor, encodeGroupCursor, parseLastEventId } from '../src/index.js';
import type { Bus, BusHandlers, CloseReason, Envelope, Hub, HubOptions, NewEvent, StoredEvent } from '../src/index.js';
import { expectRejectsCode, expectThrowsCode, gate } from './support/helpers.js';
import type { Gate } from './support/helpers.js';
import { GroupedBus } from './support/grouped-bus.js';
import { GroupedMemoryStore } from './support/grouped-store.js';
import { eventsOf } from './support/sse-events.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

const hubs: Hub[] = [];

function hubFor(options: HubOptions): Hub {
  const hub = createHub({ heartbeatMs: 0, writeTimeoutMs: 0, ...options });
  hubs.push(hub);
  return hub;
}

afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

const TOPICS = ['a', 'b', 'c'];

function dataOf(sink: TestSink): string[] {
  return eventsOf(sink.text).map((event) => event.data);
}

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

/** A Redis channel per topic, in memory: each hub's end delivers what it watches, once confirmed. */
class Channels {
  readonly ends: ChannelEnd[] = [];
}

class ChannelEnd implements Bus {
  readonly live = new Set<string>();
  readonly pending = new Map<string, Gate>();
  handlers: BusHandlers | undefined;

  constructor(readonly channels: Channels) {
    channels.ends.push(this);
  }

  subscribe(handlers: BusHandlers): () => void {
    this.handlers = handlers;
    return () => (this.handlers = undefined);
  }

  publish(envelope: Envelope): void {
    for (const end of this.channels.ends) if (end.live.has(envelope.topic)) end.handlers?.envelope(envelope);
  }

  watch(topic: string): Promise<void> {
    const confirmation = gate();
    this.pending.set(topic, confirmation);
    return confirmation.promise;
  }

  unwatch(topic: string): void {
    this.live.delete(topic);
  }

  confirm(topic: string): void {
    this.live.add(topic);
    this.pending.get(topic)?.open();
  }
}

describe('a new grouped stream on a bus that delivers only watched topics', () => {
  it('starts at the heads read as it opens: what is published after, its topics confirmed or not yet, comes once', async () => {
    const store = new GroupedMemoryStore();
    const channels = new Channels();
    const publisher = hubFor({ store, bus: new ChannelEnd(channels) });
    const end = new ChannelEnd(channels);
    const hub = hubFor({ store, bus: end });
    await publisher.publish('a', { data: 'a-before' });
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: TOPICS });
    // The heads are read at once, before any subscription is confirmed.
    expect(store.headsCalls).toBe(1);
    // Not delivered to the hub (its subscription is not confirmed yet), but after the start: read
    // from the store once the bus listens.
    await publisher.publish('a', { data: 'a-unconfirmed' });
    end.confirm('a');
    end.confirm('b');
    await settle();
    // Delivered (b is confirmed) while the stream waits for c: held, and written once.
    await publisher.publish('b', { data: 'b-held' });
    end.confirm('c');
    await stream.ready;
    expect(store.headsCalls).toBe(1);
    for (const data of ['a-1', 'c-2', 'b-3']) await publisher.publish(data.slice(0, 1), { data });
    expect(dataOf(sink)).toEqual(['a-unconfirmed', 'b-held', 'a-1', 'c-2', 'b-3']);
    expect(decodeGroupCursor(eventsOf(sink.text).at(-1)!.id!, TOPICS)).toEqual(
      new Map([
        ['a', 3],
        ['b', 2],
        ['c', 1],
      ]),
    );
  });
});

describe('a new stream whose topics completed before its start, on a bus that delivers only watched topics', () => {
  it.each([
    ['one group', ['a']],
    ['several groups', TOPICS],
  ])('ends on %s, rather than wait for events that never come', async (_, topics) => {
    const store = new GroupedMemoryStore();
    const channels = new Channels();
    const publisher = hubFor({ store, bus: new ChannelEnd(channels) });
    const end = new ChannelEnd(channels);
    const hub = hubFor({ store, bus: end });
    // Completed before the stream's start (its heads are past them), unseen by its hub.
    for (const topic of topics) await publisher.publish(topic, { data: `${topic}-end`, final: true });
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics });
    for (const topic of topics) end.confirm(topic);
    await stream.ready;
    await settle();
    expect(sink.ends).toEqual(['completed']);
    expect(sink.text).toBe(RETRY);
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

describe('a new stream on one ordering group, on a bus that delivers only watched topics', () => {
  it('starts at its head as it opens, and reads what came before its topic was confirmed from the store', async () => {
    const store = new GroupedMemoryStore();
    const channels = new Channels();
    const publisher = hubFor({ store, bus: new ChannelEnd(channels) });
    const end = new ChannelEnd(channels);
    const hub = hubFor({ store, bus: end });
    await publisher.publish('a', { data: 'a-before' });
    const onA = new TestSink();
    const onB = new TestSink();
    const streams = [hub.subscribe(onA, { topics: ['a'] }), hub.subscribe(onB, { topics: ['b'] })];
    // Read at once (b has no event yet: its stream starts from everything b will hold).
    expect(store.headsCalls).toBe(2);
    const early = [
      await publisher.publish('a', { data: 'a-unconfirmed' }),
      await publisher.publish('b', { data: 'b-unconfirmed' }),
    ];
    end.confirm('a');
    end.confirm('b');
    await Promise.all(streams.map((stream) => stream.ready));
    const late = [await publisher.publish('a', { data: 'a-live' }), await publisher.publish('b', { data: 'b-live' })];
    expect(dataOf(onA)).toEqual(['a-unconfirmed', 'a-live']);
    expect(dataOf(onB)).toEqual(['b-unconfirmed', 'b-live']);
    // The events' own ids, as for any stream on one group.
    expect(eventsOf(onA.text).map((event) => event.id)).toEqual([early[0]!.id, late[0]!.id]);
    expect(eventsOf(onB.text).map((event) => event.id)).toEqual([early[1]!.id, late[1]!.id]);
  });
});

/** A store that breaks the ordering contract: its events carry no `seq`. */
class SeqlessStore extends GroupedMemoryStore {
  override append(event: NewEvent): StoredEvent {
    const { topic, id, body } = super.append(event);
    return { topic, id, body };
  }
}

describe('the life of a grouped stream', () => {
  it('ends with error, reported, rather than write an event without seq', async () => {
    const errors: unknown[] = [];
    const hub = hubFor({ store: new SeqlessStore(), bus: new GroupedBus(), hooks: { error: (e) => errors.push(e) } });
    const sink = new TestSink();
    await hub.subscribe(sink, { topics: TOPICS }).ready;
    await hub.publish('a', { data: 'a-1' });
    expect(sink.ends).toEqual<CloseReason[]>(['error']);
    expect(dataOf(sink)).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it('runs the connect and disconnect hooks and ends at hub.close() like any stream', async () => {
    const seen: string[] = [];
    const hub = hubFor({
      store: new GroupedMemoryStore(),
      bus: new GroupedBus(),
      hooks: { connect: () => seen.push('connect'), disconnect: (_s, reason) => seen.push(reason) },
    });
    const sink = new TestSink();
    await hub.subscribe(sink, { topics: TOPICS }).ready;
    await hub.publish('c', { data: 'c-1' });
    await hub.close({ event: { event: 'bye', data: 'later' } });
    expect(eventsOf(sink.text).map((event) => event.data)).toEqual(['c-1', 'later']);
    expect(sink.ends).toEqual<CloseReason[]>(['shutdown']);
    expect(seen).toEqual(['connect', 'shutdown']);
    expect(hub.stats()).toMatchObject({ delivered: 1, connections: 0, queuedBytes: 0 });
  });
});

describe('admission of streams on several ordering groups', () => {
  it(`refuses a stream over ${MAX_CURSOR_GROUPS} groups, at prepare and at subscribe, naming the fix`, async () => {
    const hub = hubFor({ store: new GroupedMemoryStore(), bus: new GroupedBus() });
    const topics = Array.from({ length: MAX_CURSOR_GROUPS + 1 }, (_, i) => `t${i}`);
    const error = expectThrowsCode(() => hub.subscribe(new TestSink(), { topics }), 'invalid_topic');
    expect(error.status).toBe(400);
    expect(error.message).toContain(`at most ${MAX_CURSOR_GROUPS} ordering groups`);
    expect(error.message).toContain('`group` option');
    await expectRejectsCode(hub.prepare({ topics }), 'invalid_topic');
    expect(hub.stats().connections).toBe(0);
    // As many topics in fewer groups are fine.
    const grouped = hubFor({ store: new GroupedMemoryStore({ group: (topic) => `g${topic.length}` }) });
    await grouped.subscribe(new TestSink(), { topics }).ready;
    expect(grouped.stats().connections).toBe(1);
  });

  it('gives streams on one group the events own ids and one shared frame', async () => {
    const store = new GroupedMemoryStore({ group: () => 'one' });
    const hub = hubFor({ store, bus: new GroupedBus(() => 'one') });
    const sinks = [new TestSink(), new TestSink()];
    for (const sink of sinks) await hub.subscribe(sink, { topics: TOPICS }).ready;
    const given = await hub.publish('b', { data: 'given', id: 'my-id' });
    const { id } = await hub.publish('a', { data: 'x' });
    expect([given.id, id]).toEqual(['my-id', '2']);
    for (const sink of sinks) expect(sink.text).toBe(`${RETRY}id: my-id\ndata: given\n\nid: 2\ndata: x\n\n`);
    expect(sinks[0]!.chunks[1]).toBe(sinks[1]!.chunks[1]);
    // And resume from a plain id, caller-given or not.
    const resumed = new TestSink();
    await hub.subscribe(resumed, { topics: TOPICS, lastEventId: parseLastEventId('my-id') }).ready;
    expect(resumed.text).toBe(`${RETRY}id: 2\ndata: x\n\n`);
  });
});

describe('completion of a stream on several ordering groups', () => {
  it('ends at the final events, and a later request for its cursor is ended at prepare', async () => {
    const store = new GroupedMemoryStore();
    const bus = new GroupedBus();
    const hub = hubFor({ store, bus });
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: TOPICS });
    await stream.ready;
    for (const topic of TOPICS) await hub.publish(topic, { data: `${topic}-1` });
    // Out of relative order: the final of b reaches the hub last.
    bus.hold('b');
    const finals = TOPICS.map((topic) => hub.publish(topic, { data: `${topic}-end`, final: true }));
    await settle();
    expect(sink.ended).toBe(false);
    bus.release('b');
    await Promise.all(finals);
    expect(sink.ends).toEqual<CloseReason[]>(['completed']);
    expect(dataOf(sink)).toEqual(['a-1', 'b-1', 'c-1', 'a-end', 'c-end', 'b-end']);
    const last = eventsOf(sink.text).at(-1)!.id!;

    // Another hub, which follows none of the topics, asks the store with the group cursor.
    const other = hubFor({ store, bus });
    expect(await other.prepare({ topics: TOPICS, lastEventId: parseLastEventId(last) })).toEqual({ ended: true });
    const middle = eventsOf(sink.text)[3]!.id!;
    const prepared = await other.prepare({ topics: TOPICS, lastEventId: parseLastEventId(middle) });
    expect(prepared.ended).toBe(false);
    const rest = new TestSink();
    await other.subscribe(rest, { topics: TOPICS, lastEventId: parseLastEventId(middle), prepared }).ready;
    // The store returns one group after the other: any order across groups is exact.
    expect(dataOf(rest).sort()).toEqual(['b-end', 'c-end']);
    expect(rest.ends).toEqual<CloseReason[]>(['completed']);
  });
});
