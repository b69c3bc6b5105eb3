import { afterEach, describe, expect, it } from 'vitest';
import { ID_PATTERN } from '../src/index.js';
import { RecordingStore, expectRejectsCode, expectThrowsCode, gate } from './support/helpers.js';
import { closeHubs, hubFor } from './support/hubs.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

afterEach(closeHubs);

describe('close', () => {
  it('sends the last event and retry hint, ends every stream, and resolves', async () => {
    const hub = hubFor();
    const a = new TestSink();
    const b = new TestSink();
    const sa = hub.subscribe(a, { topics: ['x'] });
    const sb = hub.subscribe(b, { topics: ['y'] });

    await hub.close({ event: { event: 'bye', data: { at: 1 } }, retry: 10_000 });

    const farewell = 'event: bye\ndata: {"at":1}\n\nretry: 10000\n';
    expect(a.text).toBe(RETRY + farewell);
    expect(b.text).toBe(RETRY + farewell);
    expect(a.ends).toEqual(['shutdown']);
    expect(b.ends).toEqual(['shutdown']);
    expect(sa.signal.reason).toBe('shutdown');
    expect(sb.closed).toBe(true);
    expect(hub.closed).toBe(true);
    expect(hub.stats()).toMatchObject({ connections: 0, topics: {} });
  });

  it('sends only what it is given', async () => {
    const onlyRetry = new TestSink();
    const h1 = hubFor();
    h1.subscribe(onlyRetry);
    await h1.close({ retry: 0 });
    expect(onlyRetry.text).toBe(RETRY + 'retry: 0\n');

    const nothing = new TestSink();
    const h2 = hubFor();
    h2.subscribe(nothing);
    await h2.close();
    expect(nothing.text).toBe(RETRY);
    expect(nothing.ends).toEqual(['shutdown']);
  });

  it('flushes what is still queued for a draining stream before it ends', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    const stream = hub.subscribe(sink);
    // Queued now; its flush would run at the end of this turn, after the close below.
    stream.send({ event: 'queued', data: 'q' });
    await hub.close({ retry: 5 });
    expect(sink.writes).toEqual([RETRY, 'event: queued\ndata: q\n\nretry: 5\n']);
    expect(sink.ends).toEqual(['shutdown']);
  });

  it('waits for every sink to finish ending', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    let finish!: () => void;
    sink.endResult = new Promise<void>((resolve) => {
      finish = resolve;
    });
    hub.subscribe(sink);
    let resolved = false;
    const closing = hub.close().then(() => {
      resolved = true;
    });
    await settle();
    expect(sink.ends).toEqual(['shutdown']);
    expect(resolved).toBe(false);
    finish();
    await closing;
    expect(resolved).toBe(true);
  });

  it('ends a stream whose transport is full without writing to it', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    sink.block();
    const stream = hub.subscribe(sink, { topics: ['t'] }); // the retry write fills it
    sink.control = stream;
    await hub.publish('t', { data: 'held' });
    expect(hub.stats().queuedBytes).toBeGreaterThan(0);
    await hub.close({ event: { data: 'bye' } });
    expect(sink.text).toBe(RETRY);
    expect(sink.ends).toEqual(['shutdown']);
    expect(hub.stats().queuedBytes).toBe(0);
  });

  it('refuses publish and subscribe afterwards with code closed, and returns the same promise twice', async () => {
    const hub = hubFor();
    const first = hub.close();
    expect(hub.close()).toBe(first);
    await first;
    const error = await expectRejectsCode(hub.publish('t', { data: 'x' }), 'closed');
    expect(error.status).toBe(503);
    const sink = new TestSink();
    expectThrowsCode(() => hub.subscribe(sink), 'closed');
    expect(sink.chunks).toEqual([]);
    expect(hub.stats().published).toBe(0);
  });

  it('resolves a publish in flight when the hub closes, delivered to no stream', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['t'] });
    const publishing = hub.publish('t', { data: 'x' });
    await hub.close();
    // It passed the closed check before close(), so it is stored and resolves; the streams
    // had already ended.
    expect(await publishing).toEqual({ id: expect.stringMatching(ID_PATTERN) as unknown, delivered: 0 });
    expect(sink.text).toBe(RETRY);
  });
});

describe('close, with a publish in flight', () => {
  it('settles a publish whose store append outlasts hub.close, without waiting for an echo', async () => {
    const store = new RecordingStore();
    const appending = gate();
    store.holdAppend = appending;
    const hub = hubFor({ store });
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['t'] });
    let outcome: unknown = 'pending';
    const publishing = hub.publish('t', { data: 'x' }).then(
      (result) => (outcome = result),
      (error: unknown) => (outcome = error),
    );
    await settle();
    await hub.close();
    appending.open();
    await settle();

    // Stored before the close finished, so it resolves (delivered to no stream); it must not
    // hang on an echo that the closed hub will never receive.
    expect(outcome).toEqual({ id: expect.stringMatching(ID_PATTERN) as unknown, delivered: 0 });
    await publishing;
    expect(sink.text).toBe(RETRY);
  });
});
