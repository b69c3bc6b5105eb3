import { afterEach, describe, expect, it } from 'vitest';
import { MAX_ID_LENGTH, parseLastEventId } from '../src/index.js';
import { RecordingStore, block, expectThrowsCode, gate } from './support/helpers.js';
import { closeHubs, hubFor } from './support/hubs.js';
import { blocks, publishAll, reset } from './support/resume.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

afterEach(closeHubs);

describe('resume that cannot be served: the reserved reset event', () => {
  it("sends ssekit-reset with reason 'unknown' for an id this store never issued, then live events", async () => {
    const hub = hubFor();
    await publishAll(hub, 't', ['x']);
    for (const lastEventId of ['never-issued', '1', '99999999999999999', 'z'.repeat(MAX_ID_LENGTH)]) {
      const sink = new TestSink();
      await hub.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId(lastEventId) }).ready;
      const [live] = await publishAll(hub, 't', [`after ${lastEventId.slice(0, 5)}`]);
      expect(sink.text).toBe(
        RETRY + reset('unknown', lastEventId) + block(live!.id, { data: `after ${lastEventId.slice(0, 5)}` }),
      );
    }
    expect(hub.stats().replayMisses).toBe(4);
  });

  it("sends ssekit-reset with reason 'too_old' when the store trimmed past the id", async () => {
    const hub = hubFor({ replaySize: 3 });
    const data = ['e1', 'e2', 'e3', 'e4', 'e5'];
    const past = await publishAll(hub, 't', data);

    // e1 and e2 are gone: from e1 the client misses e2, which cannot be replayed.
    const tooOld = new TestSink();
    await hub.subscribe(tooOld, { topics: ['t'], lastEventId: parseLastEventId(past[0]!.id) }).ready;
    // From e2 it misses e3..e5, all still held: a full replay.
    const justInTime = new TestSink();
    await hub.subscribe(justInTime, { topics: ['t'], lastEventId: parseLastEventId(past[1]!.id) }).ready;

    const [live] = await publishAll(hub, 't', ['e6']);
    expect(tooOld.text).toBe(RETRY + reset('too_old', past[0]!.id) + block(live!.id, { data: 'e6' }));
    expect(justInTime.text).toBe(RETRY + blocks(past.slice(2), data.slice(2)) + block(live!.id, { data: 'e6' }));
    expect(hub.stats()).toMatchObject({ replayMisses: 1, replayed: 3 });
  });

  it('sends ssekit-reset before the live events published while the store was read', async () => {
    const store = new RecordingStore(2);
    const hub = hubFor({ store });
    const past = await publishAll(hub, 't', ['e1', 'e2', 'e3', 'e4']);
    const reading = gate();
    store.holdBefore = reading;
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId(past[0]!.id) });
    await settle();
    const during = await publishAll(hub, 't', ['d1', 'd2']);
    reading.open();
    await stream.ready;
    expect(sink.text).toBe(RETRY + reset('too_old', past[0]!.id) + blocks(during, ['d1', 'd2']));
  });

  it('with replaySize 0 (no history) tells a client that missed events, and not one that missed none', async () => {
    const hub = hubFor({ replaySize: 0 });
    const [first, last] = await publishAll(hub, 't', ['e1', 'e2']);
    const missed = new TestSink();
    const upToDate = new TestSink();
    await hub.subscribe(missed, { topics: ['t'], lastEventId: parseLastEventId(first!.id) }).ready;
    await hub.subscribe(upToDate, { topics: ['t'], lastEventId: parseLastEventId(last!.id) }).ready;
    expect(missed.text).toBe(RETRY + reset('too_old', first!.id));
    expect(upToDate.text).toBe(RETRY);
  });

  it('never replays a partial list when one of several topics was trimmed', async () => {
    const hub = hubFor({ replaySize: 2 });
    const [start] = await publishAll(hub, 'quiet', ['q1']);
    await publishAll(hub, 'busy', ['b1', 'b2', 'b3']);
    await publishAll(hub, 'quiet', ['q2']);
    const sink = new TestSink();
    await hub.subscribe(sink, { topics: ['quiet', 'busy'], lastEventId: parseLastEventId(start!.id) }).ready;
    expect(sink.text).toBe(RETRY + reset('too_old', start!.id));
  });
});

describe('Last-Event-ID is untrusted input', () => {
  it.each([
    ['too long', 'a'.repeat(MAX_ID_LENGTH + 1)],
    ['a space', 'a b'],
    ['a line feed', 'a\nb'],
    ['a NUL', 'a\0b'],
    ['a comma', '1,2'],
    ['quotes', '"1"'],
    ['a colon', 'a:b'],
    ['a non-ASCII letter', '\u00e41'],
  ])('refuses one with %s before any store call or byte', async (_label, lastEventId) => {
    const store = new RecordingStore();
    const hub = hubFor({ store });
    await hub.publish('t', { data: 'x' });
    const sink = new TestSink();
    const error = expectThrowsCode(
      () => hub.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId(lastEventId) }),
      'invalid_last_event_id',
    );
    expect(error.status).toBe(400);
    await settle();
    expect(store.sinceCalls).toEqual([]);
    expect(sink.chunks).toEqual([]);
    expect(sink.ends).toEqual([]);
    expect(hub.stats()).toMatchObject({ connections: 0, topics: {} });
  });

  it('after a reset for a cursor older than all the store holds (predates), sends all it holds, within the bounds', async () => {
    // A store that lost its data (a Redis restarted empty) and says the cursor predates it.
    const store = new RecordingStore();
    const since = store.since.bind(store);
    store.since = async (topics, lastEventId) =>
      lastEventId === 'lost-1' ? { ok: false, reason: 'unknown', predates: true } : since(topics, lastEventId);
    const hub = hubFor({ store, maxReplayEvents: 2 });
    const held = await publishAll(hub, 't', ['h1', 'h2']);
    const sink = new TestSink();
    await hub.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId('lost-1') }).ready;
    const [live] = await publishAll(hub, 't', ['l1']);
    expect(sink.text).toBe(
      RETRY + reset('unknown', 'lost-1') + blocks(held, ['h1', 'h2']) + block(live!.id, { data: 'l1' }),
    );
    // Asked for everything it holds once it said the cursor predates it.
    expect(store.sinceCalls.map((call) => call.lastEventId)).toEqual([undefined]);
    expect(hub.stats()).toMatchObject({ replayMisses: 1, replayed: 2 });

    // More than maxReplayEvents held: the reset, then live events only.
    await publishAll(hub, 't', ['h3']);
    const bounded = new TestSink();
    await hub.subscribe(bounded, { topics: ['t'], lastEventId: parseLastEventId('lost-1') }).ready;
    const [next] = await publishAll(hub, 't', ['l2']);
    expect(bounded.text).toBe(RETRY + reset('unknown', 'lost-1') + block(next!.id, { data: 'l2' }));
  });

  it('passes a valid one to the store as is', async () => {
    const store = new RecordingStore();
    const hub = hubFor({ store });
    const id = `Aa0._~-${'x'.repeat(MAX_ID_LENGTH - 7)}`;
    await hub.subscribe(new TestSink(), { topics: ['t', 'u'], lastEventId: parseLastEventId(id) }).ready;
    expect(store.sinceCalls).toEqual([{ topics: ['t', 'u'], lastEventId: id }]);
  });
});
