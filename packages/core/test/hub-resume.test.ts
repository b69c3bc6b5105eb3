import { afterEach, describe, expect, it } from 'vitest';
import { parseLastEventId } from '../src/index.js';
import type { PublishResult } from '../src/index.js';
import { RecordingStore, block, gate } from './support/helpers.js';
import { GroupedBus } from './support/grouped-bus.js';
import { closeHubs, hubFor } from './support/hubs.js';
import { blocks, publishAll, wide } from './support/resume.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

afterEach(closeHubs);

describe('resume from Last-Event-ID', () => {
  it('does not send again the resume point whose live copy reaches this process late', async () => {
    const store = new RecordingStore();
    const bus = new GroupedBus();
    const a = hubFor({ store, bus });
    const b = hubFor({ store, bus });
    // The client saw `two` on another process; here its copy is still on its way.
    await a.publish('t', { data: 'one' });
    bus.hold('t', 1);
    const two = await a.publish('t', { data: 'two' });
    const reading = gate();
    store.holdBefore = reading;
    const sink = new TestSink();
    const stream = b.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId(two.id) });
    await settle();
    // It arrives while the history is read.
    bus.release('t', 1);
    const three = await a.publish('t', { data: 'three' });
    reading.open();
    await stream.ready;
    await settle();
    expect(sink.text).toBe(RETRY + block(three.id, { data: 'three' }));
    expect(b.stats()).toMatchObject({ queuedBytes: 0 });
  });

  it('does not send again the resume point whose live copy comes after the hand-over to live', async () => {
    const store = new RecordingStore();
    const bus = new GroupedBus();
    const a = hubFor({ store, bus });
    const b = hubFor({ store, bus });
    bus.hold('t', 1);
    const seen = await a.publish('t', { data: 'seen elsewhere' });
    const sink = new TestSink();
    const stream = b.subscribe(sink, { topics: ['t', 'u'], lastEventId: parseLastEventId(seen.id) });
    await stream.ready;
    // Another topic's live event does not end the watch on t; the late copy comes after it.
    const other = await a.publish('u', { data: 'other' });
    bus.release('t', 1);
    const next = await a.publish('t', { data: 'next' });
    await settle();
    expect(sink.text).toBe(RETRY + block(other.id, { data: 'other' }) + block(next.id, { data: 'next' }));
    // Counted once each: the late copy is not a delivery.
    expect(b.stats()).toMatchObject({ delivered: 2, queuedBytes: 0 });
  });

  it('replays the missed events in order, then goes live with no gap and no duplicate', async () => {
    const hub = hubFor();
    const data = ['e1', 'e2', 'e3', 'e4', 'e5'];
    const past = await publishAll(hub, 't', data);

    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId(past[1]!.id) });
    await stream.ready;
    expect(sink.text).toBe(RETRY + blocks(past.slice(2), data.slice(2)));

    const live = await publishAll(hub, 't', ['e6', 'e7']);
    expect(sink.text).toBe(RETRY + blocks(past.slice(2), data.slice(2)) + blocks(live, ['e6', 'e7']));
    expect(hub.stats()).toMatchObject({ replayed: 3, replayMisses: 0, delivered: 3 + 2, queuedBytes: 0 });
  });

  it('replays nothing, then live events, when the client saw the latest event', async () => {
    const hub = hubFor();
    const [last] = await publishAll(hub, 't', ['only']);
    const sink = new TestSink();
    await hub.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId(last!.id) }).ready;
    const [next] = await publishAll(hub, 't', ['next']);
    expect(sink.text).toBe(RETRY + block(next!.id, { data: 'next' }));
  });

  it('treats an empty or null Last-Event-ID as a fresh start and never asks the store', async () => {
    const store = new RecordingStore();
    const hub = hubFor({ store });
    await publishAll(hub, 't', ['old']);
    const a = new TestSink();
    const b = new TestSink();
    hub.subscribe(a, { topics: ['t'], lastEventId: parseLastEventId('') });
    hub.subscribe(b, { topics: ['t'], lastEventId: parseLastEventId(null) });
    const [live] = await publishAll(hub, 't', ['new']);
    expect(store.sinceCalls).toEqual([]);
    expect(a.text).toBe(RETRY + block(live!.id, { data: 'new' }));
    expect(b.text).toBe(RETRY + block(live!.id, { data: 'new' }));
  });

  it('replays from a caller-given id', async () => {
    const hub = hubFor();
    await hub.publish('t', { data: 'a', id: 'order-1' });
    await hub.publish('t', { data: 'b', id: 'order-2' });
    const third = await hub.publish('t', { data: 'c' });
    const sink = new TestSink();
    await hub.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId('order-1') }).ready;
    expect(sink.text).toBe(RETRY + block('order-2', { data: 'b' }) + block(third.id, { data: 'c' }));
  });

  it('holds events published while the store is being read, and sends each once after the replay', async () => {
    const store = new RecordingStore();
    const hub = hubFor({ store });
    const past = await publishAll(hub, 't', ['p1', 'p2', 'p3']);

    // The store reads its log only after the gate opens, so it also returns what is published
    // meanwhile: those events arrive twice (replay and live) and must be sent once.
    const reading = gate();
    store.holdBefore = reading;
    const sink = new TestSink();
    const watcher = new TestSink();
    hub.subscribe(watcher, { topics: ['t'] });
    const stream = hub.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId(past[0]!.id) });
    await settle();
    expect(store.sinceCalls).toHaveLength(1);

    const during = await publishAll(hub, 't', ['d1', 'd2']);
    expect(during.map((r) => r.delivered)).toEqual([2, 2]);
    expect(sink.text).toBe(RETRY);
    expect(hub.stats().queuedBytes).toBeGreaterThan(0);

    reading.open();
    await stream.ready;
    const after = await publishAll(hub, 't', ['a1']);

    expect(sink.text).toBe(
      RETRY + blocks(past.slice(1), ['p2', 'p3']) + blocks(during, ['d1', 'd2']) + blocks(after, ['a1']),
    );
    expect(watcher.text).toBe(RETRY + blocks(during, ['d1', 'd2']) + blocks(after, ['a1']));
    // Each event counts once per stream it reached: 5 for the resumed stream, 3 for the watcher.
    expect(hub.stats()).toMatchObject({ queuedBytes: 0, replayed: 4, delivered: 5 + 3 });
  });

  it('holds events published after the store answered, and sends them after the replay', async () => {
    const store = new RecordingStore();
    const hub = hubFor({ store });
    const past = await publishAll(hub, 't', ['p1', 'p2', 'p3']);

    // A snapshot taken at once but delivered late (a slow network): what is published
    // meanwhile is not in it and must come from the held live events.
    const answering = gate();
    store.holdAfter = answering;
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId(past[0]!.id) });
    await settle();
    const during = await publishAll(hub, 't', ['d1', 'd2', 'd3']);
    expect(sink.text).toBe(RETRY);

    answering.open();
    await stream.ready;
    const after = await publishAll(hub, 't', ['a1']);

    expect(sink.text).toBe(
      RETRY + blocks(past.slice(1), ['p2', 'p3']) + blocks(during, ['d1', 'd2', 'd3']) + blocks(after, ['a1']),
    );
  });

  it('keeps events published while a slow client takes the replay behind it', async () => {
    const hub = hubFor();
    // Replay joins small events into 64 KiB writes; events this wide go one per write.
    const [p2, p3, p4] = ['p2', 'p3', 'p4'].map(wide) as [string, string, string];
    const past = await publishAll(hub, 't', ['p1', p2, p3, p4]);
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId(past[0]!.id) });
    sink.control = stream;
    sink.block(); // every replayed block now fills the transport until a drain
    await settle();
    expect(sink.text).toBe(RETRY + blocks(past.slice(1, 2), [p2]));

    const during: PublishResult[] = [];
    for (const d of ['d1', 'd2']) {
      during.push(await hub.publish('t', { data: d }));
      sink.drain();
      sink.block();
      await settle();
    }
    sink.drain();
    await stream.ready;
    await settle();

    expect(sink.text).toBe(RETRY + blocks(past.slice(1), [p2, p3, p4]) + blocks(during, ['d1', 'd2']));
  });

  it('merges several topics into one replay in publish order', async () => {
    const hub = hubFor();
    const order: [string, string][] = [
      ['a', 'a1'],
      ['b', 'b1'],
      ['c', 'c1'],
      ['a', 'a2'],
      ['b', 'b2'],
      ['a', 'a3'],
      ['c', 'c2'],
      ['b', 'b3'],
    ];
    const results: PublishResult[] = [];
    for (const [topic, d] of order) results.push(await hub.publish(topic, { data: d }));

    const sink = new TestSink();
    await hub.subscribe(sink, { topics: ['b', 'a'], lastEventId: parseLastEventId(results[1]!.id) }).ready;

    const expected = order
      .map(([topic, d], i) => ({ topic, d, id: results[i]!.id }))
      .slice(2)
      .filter((e) => e.topic !== 'c')
      .map((e) => block(e.id, { data: e.d }))
      .join('');
    expect(sink.text).toBe(RETRY + expected);
    expect(hub.stats().replayed).toBe(4);
  });

  it('merges several topics while events are published on each of them during the replay', async () => {
    const store = new RecordingStore();
    const hub = hubFor({ store });
    const [first] = await publishAll(hub, 'a', ['a0']);
    const earlier = [await hub.publish('b', { data: 'b0' }), await hub.publish('a', { data: 'a1' })];
    const reading = gate();
    store.holdBefore = reading;
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['a', 'b'], lastEventId: parseLastEventId(first!.id) });
    await settle();
    const during = [
      await hub.publish('b', { data: 'b1' }),
      await hub.publish('x', { data: 'x1' }),
      await hub.publish('a', { data: 'a2' }),
    ];
    reading.open();
    await stream.ready;
    const after = await hub.publish('b', { data: 'b2' });

    expect(sink.text).toBe(
      RETRY +
        block(earlier[0]!.id, { data: 'b0' }) +
        block(earlier[1]!.id, { data: 'a1' }) +
        block(during[0]!.id, { data: 'b1' }) +
        block(during[2]!.id, { data: 'a2' }) +
        block(after.id, { data: 'b2' }),
    );
  });

  it('paces a replay larger than the byte budget by drains instead of evicting', async () => {
    const hub = hubFor({ maxBufferedBytes: 256 });
    const data = Array.from({ length: 20 }, (_v, i) => wide(`${String(i).padStart(2, '0')}${'r'.repeat(60)}`));
    const past = await publishAll(hub, 't', ['start', ...data]);
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId(past[0]!.id) });
    sink.control = stream;
    sink.block();

    let drains = 0;
    let done = false;
    void stream.ready.then(() => (done = true));
    await settle();
    while (!done) {
      expect(stream.closed).toBe(false);
      drains++;
      sink.drain();
      sink.block();
      await settle();
    }

    // The first block goes out at once; each later one waits for the drain after the previous.
    expect(drains).toBe(19);
    expect(sink.text).toBe(RETRY + blocks(past.slice(1), data));
    expect(sink.ends).toEqual([]);
    expect(hub.stats()).toMatchObject({ evicted: 0, replayed: 20, connections: 1 });
  });

  it('evicts a resuming client whose held live events pass the budget before its replay ends', async () => {
    const store = new RecordingStore();
    const hub = hubFor({ store, maxBufferedBytes: 128 });
    const [first] = await publishAll(hub, 't', ['p1']);
    store.holdBefore = gate();
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId(first!.id) });
    await settle();
    // 59-byte blocks: two fit in 128 bytes, the third does not.
    const results = await publishAll(hub, 't', ['l'.repeat(30), 'l'.repeat(30), 'l'.repeat(30)]);
    expect(results.map((r) => r.delivered)).toEqual([1, 1, 0]);
    expect(stream.closed).toBe(true);
    expect(stream.signal.reason).toBe('evicted');
    expect(sink.ends).toEqual(['evicted']);
    expect(hub.stats()).toMatchObject({ evicted: 1, connections: 0, queuedBytes: 0 });
    store.holdBefore.open();
    await stream.ready;
    expect(sink.text).toBe(RETRY);
  });
});
