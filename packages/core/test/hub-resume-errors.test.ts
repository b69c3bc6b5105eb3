import { afterEach, describe, expect, it } from 'vitest';
import { parseLastEventId } from '../src/index.js';
import { RecordingStore, gate } from './support/helpers.js';
import { closeHubs, hubFor } from './support/hubs.js';
import { blocks, publishAll, wide } from './support/resume.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

afterEach(closeHubs);

describe('a replay that goes wrong', () => {
  it('stops when the client leaves while the store is read', async () => {
    const store = new RecordingStore();
    const hub = hubFor({ store });
    const past = await publishAll(hub, 't', ['e1', 'e2']);
    const reading = gate();
    store.holdBefore = reading;
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId(past[0]!.id) });
    await settle();
    await publishAll(hub, 't', ['held']);
    await stream.close('client');
    expect(hub.stats()).toMatchObject({ connections: 0, queuedBytes: 0 });
    reading.open();
    await stream.ready;
    await settle();
    expect(sink.text).toBe(RETRY);
    expect(sink.writesAfterEnd).toBe(0);
    expect(sink.ends).toEqual(['client']);
    expect(hub.stats()).toMatchObject({ replayed: 0, queuedBytes: 0 });
  });

  it('ends the stream with reason error when the store fails, and ready still resolves', async () => {
    const store = new RecordingStore();
    const hub = hubFor({ store });
    const [first] = await publishAll(hub, 't', ['e1']);
    store.failSince = new Error('store down');
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId(first!.id) });
    await expect(stream.ready).resolves.toBeUndefined();
    expect(sink.ends).toEqual(['error']);
    expect(stream.signal.reason).toBe('error');
    expect(hub.stats()).toMatchObject({ connections: 0, queuedBytes: 0 });
  });

  it('stops at the write that throws', async () => {
    const hub = hubFor();
    const past = await publishAll(hub, 't', ['e1', 'e2', 'e3', 'e4']);
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId(past[0]!.id) });
    sink.failNextWrite = new Error('EPIPE');
    await stream.ready;
    expect(sink.text).toBe(RETRY);
    expect(sink.ends).toEqual(['error']);
    expect(sink.writesAfterEnd).toBe(0);
  });

  it('ends a paused replay at hub.close', async () => {
    const hub = hubFor();
    const [e2, e3] = ['e2', 'e3'].map(wide) as [string, string];
    const past = await publishAll(hub, 't', ['e1', e2, e3]);
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId(past[0]!.id) });
    sink.block();
    await settle();
    await hub.close();
    await stream.ready;
    expect(sink.text).toBe(RETRY + blocks(past.slice(1, 2), [e2]));
    expect(sink.ends).toEqual(['shutdown']);
    expect(sink.writesAfterEnd).toBe(0);
  });
});
