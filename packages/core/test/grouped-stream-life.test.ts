import { afterEach, describe, expect, it } from 'vitest';
import { MAX_CURSOR_GROUPS, parseLastEventId } from '../src/index.js';
import type { CloseReason, NewEvent, StoredEvent } from '../src/index.js';
import { expectRejectsCode, expectThrowsCode } from './support/helpers.js';
import { GroupedBus } from './support/grouped-bus.js';
import { GroupedMemoryStore } from './support/grouped-store.js';
import { TOPICS, dataOf } from './support/grouped-streams.js';
import { closeHubs, hubFor } from './support/hubs.js';
import { eventsOf } from './support/sse-events.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

afterEach(closeHubs);

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
