import { afterEach, describe, expect, it } from 'vitest';
import { decodeGroupCursor } from '../src/index.js';
import type { Bus, BusHandlers, Envelope, Hub } from '../src/index.js';
import { gate } from './support/helpers.js';
import type { Gate } from './support/helpers.js';
import { GroupedMemoryStore } from './support/grouped-store.js';
import { TOPICS, dataOf } from './support/grouped-streams.js';
import { closeHubs, hubFor } from './support/hubs.js';
import { eventsOf } from './support/sse-events.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

afterEach(closeHubs);

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

/** A publishing hub and a hub whose bus `end` delivers only the topics the test confirms. */
function twoHubs(): { store: GroupedMemoryStore; publisher: Hub; end: ChannelEnd; hub: Hub } {
  const store = new GroupedMemoryStore();
  const channels = new Channels();
  const publisher = hubFor({ store, bus: new ChannelEnd(channels) });
  const end = new ChannelEnd(channels);
  return { store, publisher, end, hub: hubFor({ store, bus: end }) };
}

describe('a new grouped stream on a bus that delivers only watched topics', () => {
  it('starts at the heads read as it opens: what is published after, its topics confirmed or not yet, comes once', async () => {
    const { store, publisher, end, hub } = twoHubs();
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
    const { publisher, end, hub } = twoHubs();
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

describe('a new stream on one ordering group, on a bus that delivers only watched topics', () => {
  it('starts at its head as it opens, and reads what came before its topic was confirmed from the store', async () => {
    const { store, publisher, end, hub } = twoHubs();
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
