import { afterEach, describe, expect, it } from 'vitest';
import { RESET_EVENT, createHub, decodeGroupCursor, parseLastEventId } from '../src/index.js';
import type { Hub, HubOptions, Subscription } from '../src/index.js';
import { GroupedBus } from './support/grouped-bus.js';
import { GroupedMemoryStore } from './support/grouped-store.js';
import { eventsOf } from './support/sse-events.js';
import type { ReadEvent } from './support/sse-events.js';
import { TestSink, settle } from './support/test-sink.js';

const hubs: Hub[] = [];

function hubFor(options: HubOptions): Hub {
  const hub = createHub({ heartbeatMs: 0, writeTimeoutMs: 0, ...options });
  hubs.push(hub);
  return hub;
}

afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

/** Each topic is its own group (a cluster's default): a stream on all three spans three groups. */
const TOPICS = ['a', 'b', 'c'];

/** A small seeded generator, so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a client that reads from several connections in turn has seen. */
class Client {
  readonly seen: ReadEvent[] = [];
  sink = new TestSink();
  stream: Subscription;
  at = 0;

  constructor(
    readonly hubs: readonly Hub[],
    readonly every: number,
  ) {
    this.stream = hubs[0]!.subscribe(this.sink, { topics: TOPICS });
  }

  /**
   * Past `every` events on this connection, keeps exactly those, disconnects and resumes on the
   * other hub with the last id it kept; the rest of what this connection got is never read.
   * @returns whether it reconnected.
   */
  cut(): boolean {
    const events = eventsOf(this.sink.text);
    if (events.length < this.every) return false;
    const kept = events.slice(0, this.every);
    this.seen.push(...kept);
    void this.stream.close('client');
    this.at = 1 - this.at;
    this.sink = new TestSink();
    this.stream = this.hubs[this.at]!.subscribe(this.sink, {
      topics: TOPICS,
      lastEventId: parseLastEventId(kept.at(-1)!.id),
    });
    return true;
  }

  /** Everything seen, the current connection's events included. */
  all(): ReadEvent[] {
    return [...this.seen, ...eventsOf(this.sink.text)];
  }
}

/** Every event once, each topic's in publish order. */
function expectExact(seen: readonly ReadEvent[], published: readonly string[]): void {
  const data = seen.map((event) => event.data);
  expect(new Set(data).size).toBe(data.length);
  expect([...data].sort()).toEqual([...published].sort());
  for (const topic of TOPICS) {
    const mine = (list: readonly string[]): string[] => list.filter((d) => d.startsWith(`${topic}-`));
    expect(mine(data)).toEqual(mine(published));
  }
}

async function run(every: number, seed: number): Promise<void> {
  const store = new GroupedMemoryStore();
  const bus = new GroupedBus();
  const pair = [hubFor({ store, bus }), hubFor({ store, bus })];
  for (const topic of TOPICS) await pair[1]!.publish(topic, { data: `${topic}-before` });
  const client = new Client(pair, every);
  await client.stream.ready;
  const next = random(seed);
  const published: string[] = [];
  const publishes: Promise<unknown>[] = [];
  for (let i = 0; i < 60; i++) {
    const roll = next();
    const group = TOPICS[Math.floor(next() * TOPICS.length)]!;
    // Hold a group back from one hub or both, or let it go: groups arrive out of relative order.
    if (roll < 0.2) bus.hold(group, roll < 0.1 ? Math.floor(next() * 2) : undefined);
    else if (roll < 0.35) bus.release(group);
    const topic = TOPICS[Math.floor(next() * TOPICS.length)]!;
    published.push(`${topic}-${i}`);
    publishes.push(pair[Math.floor(next() * 2)]!.publish(topic, { data: `${topic}-${i}` }));
    await settle();
    client.cut();
  }
  bus.releaseAll();
  await Promise.all(publishes);
  // Bounded: each round takes `every` events off the connection, and the total is finite.
  for (let round = 0; round < 200; round++) {
    await client.stream.ready;
    await settle();
    if (!client.cut()) break;
  }
  const seen = client.all();
  expectExact(seen, published);
  for (const event of seen) expect(decodeGroupCursor(event.id!, TOPICS)).toBeDefined();
}

describe('a stream on several ordering groups', () => {
  it.each(Array.from({ length: 12 }, (_, i) => i + 1))(
    'resumes exactly on another hub after every %i-th event, whatever order the groups arrive in',
    async (every) => {
      for (const seed of [1, 2, 3]) await run(every, seed * 1000 + every);
    },
  );

  it('replays everything from the start, then goes live through the same rule', async () => {
    const store = new GroupedMemoryStore();
    const bus = new GroupedBus();
    const hub = hubFor({ store, bus });
    const before = ['a-1', 'b-2', 'a-3', 'c-4'];
    for (const data of before) await hub.publish(data.slice(0, 1), { data });
    bus.hold('b');
    // In flight: stored (so replayed), but its live copy comes after the replay.
    const inFlight = hub.publish('b', { data: 'b-5' });
    await settle();
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: TOPICS, from: 'start' });
    await stream.ready;
    bus.release('b');
    await inFlight;
    await hub.publish('c', { data: 'c-6' });
    const events = eventsOf(sink.text);
    expectExact(events, [...before, 'b-5', 'c-6']);
    expect(decodeGroupCursor(events.at(-1)!.id!, TOPICS)).toEqual(
      new Map([
        ['a', 2],
        ['b', 2],
        ['c', 2],
      ]),
    );
    expect(hub.stats()).toMatchObject({ replayed: 5, delivered: 6, queuedBytes: 0 });
  });
});

describe('a grouped stream whose cursor cannot be served', () => {
  it('sends ssekit-reset for an unknown cursor, then every event after the heads', async () => {
    const store = new GroupedMemoryStore();
    const misses: string[] = [];
    const hub = hubFor({ store, bus: new GroupedBus(), hooks: { replayMiss: (_s, reason) => misses.push(reason) } });
    for (const topic of TOPICS) await hub.publish(topic, { data: `${topic}-old` });
    // A cursor of other groups (two of the three): never read against these.
    const other = 'cAAAAAAAAAAAAAAAAAAAAA';
    for (const lastEventId of ['17', other]) {
      const sink = new TestSink();
      const stream = hub.subscribe(sink, { topics: TOPICS, lastEventId: parseLastEventId(lastEventId) });
      await stream.ready;
      await hub.publish('b', { data: `b-after-${lastEventId}` });
      const events = eventsOf(sink.text);
      expect(events[0]).toEqual({
        id: undefined,
        event: RESET_EVENT,
        data: JSON.stringify({ reason: 'unknown', lastEventId }),
      });
      expect(events.slice(1).map((event) => event.data)).toEqual([`b-after-${lastEventId}`]);
      void stream.close('client');
    }
    expect(misses).toEqual(['unknown', 'unknown']);
    expect(hub.stats().replayMisses).toBe(2);
  });

  it('sends ssekit-reset when the history after the cursor was trimmed, then goes live', async () => {
    const store = new GroupedMemoryStore({ size: 2 });
    const hub = hubFor({ store, bus: new GroupedBus() });
    const first = new TestSink();
    const stream = hub.subscribe(first, { topics: TOPICS });
    await stream.ready;
    await hub.publish('a', { data: 'a-1' });
    const cursor = eventsOf(first.text)[0]!.id!;
    void stream.close('client');
    for (const data of ['a-2', 'a-3', 'a-4', 'c-5']) await hub.publish(data.slice(0, 1), { data });

    const sink = new TestSink();
    const resumed = hub.subscribe(sink, { topics: TOPICS, lastEventId: parseLastEventId(cursor) });
    await resumed.ready;
    await hub.publish('c', { data: 'c-6' });
    await hub.publish('a', { data: 'a-7' });
    const events = eventsOf(sink.text);
    expect(events.map((event) => event.event ?? event.data)).toEqual([RESET_EVENT, 'c-6', 'a-7']);
    expect(JSON.parse(events[0]!.data)).toEqual({ reason: 'too_old', lastEventId: cursor });
    expect(decodeGroupCursor(events.at(-1)!.id!, TOPICS)).toEqual(
      new Map([
        ['a', 5],
        ['b', 0],
        ['c', 2],
      ]),
    );
  });
});

describe('a grouped stream rebuilt from the whole history after a reset', () => {
  it('replays all the store holds after ssekit-reset when its cursor predates it, then goes live', async () => {
    const store = new GroupedMemoryStore();
    const hub = hubFor({ store, bus: new GroupedBus() });
    const first = new TestSink();
    const stream = hub.subscribe(first, { topics: TOPICS });
    await stream.ready;
    await hub.publish('a', { data: 'a-1' });
    const cursor = eventsOf(first.text)[0]!.id!;
    void stream.close('client');
    store.lose();
    for (const data of ['b-2', 'a-3']) await hub.publish(data.slice(0, 1), { data });

    const sink = new TestSink();
    const resumed = hub.subscribe(sink, { topics: TOPICS, lastEventId: parseLastEventId(cursor) });
    await resumed.ready;
    await hub.publish('c', { data: 'c-4' });
    const events = eventsOf(sink.text);
    expect(events.map((event) => event.event ?? event.data)).toEqual([RESET_EVENT, 'a-3', 'b-2', 'c-4']);
    expect(JSON.parse(events[0]!.data)).toEqual({ reason: 'unknown', lastEventId: cursor });
    expect(hub.stats()).toMatchObject({ replayMisses: 1, replayed: 2 });
  });

  it('sends nothing twice from the groups that kept their data when only one group lost its own', async () => {
    const store = new GroupedMemoryStore();
    const hub = hubFor({ store, bus: new GroupedBus() });
    const first = new TestSink();
    const stream = hub.subscribe(first, { topics: TOPICS });
    await stream.ready;
    for (const data of ['a-1', 'b-1']) await hub.publish(data.slice(0, 1), { data });
    const cursor = eventsOf(first.text)[1]!.id!;
    void stream.close('client');
    store.lose(['a']);
    for (const data of ['a-2', 'b-2']) await hub.publish(data.slice(0, 1), { data });

    const sink = new TestSink();
    const resumed = hub.subscribe(sink, { topics: TOPICS, lastEventId: parseLastEventId(cursor) });
    await resumed.ready;
    await hub.publish('c', { data: 'c-3' });
    const events = eventsOf(sink.text);
    expect(events.map((event) => event.event ?? event.data)).toEqual([RESET_EVENT, 'a-2', 'b-2', 'c-3']);
  });

  it('replays the whole run of completed topics after ssekit-reset, then ends', async () => {
    const store = new GroupedMemoryStore();
    const hub = hubFor({ store, bus: new GroupedBus() });
    for (const topic of TOPICS) await hub.publish(topic, { data: `${topic}-1` });
    for (const topic of TOPICS) await hub.publish(topic, { data: `${topic}-end`, final: true });
    const lastEventId = parseLastEventId('cZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ');
    const prepared = await hub.prepare({ topics: TOPICS, lastEventId });
    expect(prepared.ended).toBe(false);
    const sink = new TestSink();
    await hub.subscribe(sink, { topics: TOPICS, lastEventId, prepared }).ready;
    const events = eventsOf(sink.text);
    expect(events[0]!.event).toBe(RESET_EVENT);
    expectExact(events.slice(1), ['a-1', 'b-1', 'c-1', 'a-end', 'b-end', 'c-end']);
    expect(sink.ends).toEqual(['completed']);
  });
});
